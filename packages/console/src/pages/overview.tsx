import { AgentStatusChart, ExpiringCertificatesCard, MigrationCard, OpenAnomaliesCard } from './overview/fleet-cards';
import { TokenChart } from './overview/token-chart';

/**
 * The fleet at a glance: tokens issued and refused over time by reason, open anomalies, agents by
 * status, certificates about to expire and how far the move off API keys has come. Every chart
 * says its numbers in words too; each part loads (and fails) on its own.
 */
export function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <TokenChart />
      <div className="cards overview-cards">
        <OpenAnomaliesCard />
        <ExpiringCertificatesCard />
        <MigrationCard />
      </div>
      <div className="overview-charts">
        <AgentStatusChart />
      </div>
    </>
  );
}
