/**
 * @agentauth/client/node: the parts of the SDK that need Node.js (a file key store with mode
 * 0600; mutual-TLS certificates in `./mtls.js`). The core (`@agentauth/client`) stays Web-API only.
 */
export { fileKeyStore } from './file-key-store.js';
export { startCertificateManager, CertificateManager, CertificateRenewalError, type CertificateManagerOptions, type CurrentCertificate } from './mtls.js';
