import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { CommandFailedError, EXIT_OK, UsageError } from '../cli-errors.js';
import type { Command } from '../command.js';
import { renderJson } from '../output.js';
import { AllowList, DEFAULT_ALLOW_FILE } from '../scan/allow-list.js';
import { verifyManagedKeys, type VerificationSummary } from '../scan/key-verification.js';
import { runScan } from '../scan/run-scan.js';
import { scanSarif } from '../scan/sarif.js';
import { ScanProgress } from '../scan/scan-progress.js';
import { scanJson, scanText } from '../scan/scan-report.js';
import { cliVersion } from '../version.js';

/** Files larger than this are skipped unless --max-file-size says otherwise: 2 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** The largest cap one may ask for: one file is held in memory at a time, and no more than this. */
const MAX_FILE_BYTES_LIMIT = 64 * 1024 * 1024;

/**
 * `agentauth scan [PATH]`: finds secrets in a working tree and its git history (docs/cli.md,
 * "scan"; docs/migration.md, "Finding leaked keys"). Exit status 0 when nothing is found, 1 when
 * something is (`secrets_found`), 2 for a usage error. No secret is printed: a finding shows its
 * redacted form and fingerprint.
 */
export const scanCommand: Command = {
  name: 'scan',
  summary: 'find leaked secrets (our aak_ keys and vendor keys) in a working tree and its git history',
  args: [],
  optionalArgs: ['PATH'],
  synopsis: '[PATH] [--sarif] [--verify] [--revoke] [--allow FILE] [--max-file-size BYTES] [--no-history] [--history-only] [--include-node-modules] [--progress]',
  options: {
    sarif: { type: 'boolean', description: 'print a SARIF 2.1.0 log for code-scanning tools instead of the report' },
    verify: { type: 'boolean', description: 'ask the server whether each managed key found is live, revoked, expired or unknown (admin token, auditor role)' },
    revoke: { type: 'boolean', description: 'revoke every live managed key found, audited by the server (implies --verify; operator role)' },
    allow: { type: 'string', placeholder: 'FILE', description: `allow-list of fingerprints and path globs (default PATH/${DEFAULT_ALLOW_FILE} if it exists)` },
    'max-file-size': { type: 'string', placeholder: 'BYTES', description: `skip (and report) files and blobs larger than this (default ${DEFAULT_MAX_FILE_BYTES})` },
    'no-history': { type: 'boolean', description: 'scan the working tree only, not the git history' },
    'history-only': { type: 'boolean', description: 'scan the git history only, not the working tree' },
    'include-node-modules': { type: 'boolean', description: 'walk node_modules directories too' },
    progress: { type: 'boolean', description: 'print progress counts on stderr even when it is not a terminal' },
  },
  async run(context) {
    const { flags, io } = context;
    if (flags.bool('sarif') && context.json) throw new UsageError('--json and --sarif are exclusive: choose one output', this.name);
    if (flags.bool('no-history') && flags.bool('history-only')) throw new UsageError('--no-history and --history-only leave nothing to scan', this.name);
    const root = resolve(context.args[0] ?? '.');
    const found = await stat(root).catch(() => undefined);
    if (found === undefined || !found.isDirectory()) throw new UsageError(`${context.args[0] ?? '.'} is not a directory`, this.name);
    const maxBytes = flags.int('max-file-size', 1, MAX_FILE_BYTES_LIMIT) ?? DEFAULT_MAX_FILE_BYTES;
    const allowPath = flags.string('allow');
    const allow = await AllowList.load(allowPath ?? join(root, DEFAULT_ALLOW_FILE), allowPath !== undefined);
    const revoke = flags.bool('revoke');
    // Resolved before the scan, so a missing admin token is a usage error at once, not after minutes.
    const admin = revoke || flags.bool('verify') ? context.admin() : undefined;

    const progress = flags.bool('progress') || io.stderrIsTerminal === true ? new ScanProgress(io.stderr, io.stderrIsTerminal === true) : undefined;
    const result = await runScan({
      root,
      worktree: !flags.bool('history-only'),
      history: !flags.bool('no-history'),
      maxBytes,
      includeNodeModules: flags.bool('include-node-modules'),
      allow,
      ...(progress === undefined ? {} : { onProgress: (phase, counts) => progress.update(phase, counts) }),
    });
    progress?.done(result.counts);

    let verification: VerificationSummary | undefined;
    if (admin !== undefined) verification = await verifyManagedKeys(result.findings, admin, revoke);

    if (flags.bool('sarif')) io.stdout(renderJson(scanSarif(result, cliVersion())));
    else if (context.json) io.stdout(renderJson(scanJson(result, verification)));
    else io.stdout(scanText(result, verification));
    const count = result.counts.findings;
    if (count > 0) throw new CommandFailedError('secrets_found', `${count} secret${count === 1 ? '' : 's'} found; rotate or revoke ${count === 1 ? 'it' : 'them'} (docs/migration.md, "Finding leaked keys")`);
    return EXIT_OK;
  },
};
