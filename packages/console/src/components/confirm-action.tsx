import { useState } from 'react';
import { Button, Dialog, DialogTrigger, Heading, Input, Label, Modal, TextField } from 'react-aria-components';

/**
 * A button that asks before it acts: an accessible modal dialog (focus trapped, Escape cancels)
 * that names what will happen, optionally with a reason, and runs `onConfirm` on "Confirm".
 */
export function ConfirmAction({
  label,
  title,
  description,
  confirmLabel = 'Confirm',
  danger = false,
  reason,
  onConfirm,
}: {
  label: string;
  title: string;
  description: string;
  confirmLabel?: string;
  danger?: boolean;
  /** Ask for a reason (sent to the API and so to the audit record); required when `required`. */
  reason?: { label: string; required: boolean };
  onConfirm: (reason: string) => Promise<void> | void;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <DialogTrigger>
      <Button className={danger ? 'button button-danger' : 'button'}>{label}</Button>
      <Modal className="modal" isDismissable>
        <Dialog className="dialog" role="alertdialog">
          {({ close }) => (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                setBusy(true);
                Promise.resolve(onConfirm(text.trim())).finally(() => {
                  setBusy(false);
                  setText('');
                  close();
                });
              }}
            >
              <Heading slot="title">{title}</Heading>
              <p>{description}</p>
              {reason !== undefined && (
                <TextField value={text} onChange={setText} isRequired={reason.required} className="field" autoFocus>
                  <Label>{reason.label}</Label>
                  <Input maxLength={500} />
                </TextField>
              )}
              <div className="dialog-actions">
                <Button className="button" onPress={close}>
                  Cancel
                </Button>
                <Button type="submit" className={danger ? 'button button-danger' : 'button button-primary'} isDisabled={busy || (reason?.required === true && text.trim() === '')}>
                  {confirmLabel}
                </Button>
              </div>
            </form>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
