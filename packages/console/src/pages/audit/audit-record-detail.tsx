import { Fragment } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Modal } from 'react-aria-components';
import type { components } from '../../api/schema';

export type AuditRecord = components['schemas']['AuditRecord'];

/**
 * Every field of one audit record (docs/events.md), in a modal dialog: the hash-chain links as
 * well, so a person can follow a record to its neighbours, and the details as JSON.
 */
export function AuditRecordDetail({ record }: { record: AuditRecord }) {
  const fields: [string, string | null][] = [
    ['Sequence', String(record.seq)],
    ['Time', record.time],
    ['Event', record.event],
    ['Outcome', record.outcome],
    ['Agent', record.agent_id],
    ['Actor', record.actor],
    ['Source address', record.source_ip],
    ['Reason', record.reason],
    ['Request id', record.request_id],
    ['Previous hash', record.prev_hash],
    ['Hash', record.hash],
  ];
  return (
    <DialogTrigger>
      <Button className="button" aria-label={`Details of record ${record.seq}`}>
        Details
      </Button>
      <Modal className="modal" isDismissable>
        <Dialog className="dialog dialog-wide">
          {({ close }) => (
            <>
              <Heading slot="title">
                Audit record {record.seq}: {record.event}
              </Heading>
              <dl className="details">
                {fields.map(([name, value]) => (
                  <Fragment key={name}>
                    <dt>{name}</dt>
                    <dd className={/hash|Request id/i.test(name) ? 'mono' : undefined}>{value ?? '—'}</dd>
                  </Fragment>
                ))}
              </dl>
              <h3 className="detail-subtitle">Details</h3>
              <pre tabIndex={0} aria-label="The record's details as JSON">{JSON.stringify(record.details, null, 2)}</pre>
              <div className="dialog-actions">
                <Button className="button" onPress={close} autoFocus>
                  Close
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
