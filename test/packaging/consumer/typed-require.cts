// A CommonJS TypeScript module: its imports compile to require(), which TypeScript accepts for
// ES-module-only packages under "module": "nodenext" (TypeScript 5.8 and later), as Node 20.19 does.
import { createResourceServer, VerificationError } from '@agentauth/resource-server';
import { PROTECTED_RESOURCE_METADATA_PATH } from '@agentauth/protocol';

export const rs = createResourceServer({ issuer: 'https://auth.example.com', resource: 'https://orders.example.com', revocation: 'off' });
export const metadataPath: string = PROTECTED_RESOURCE_METADATA_PATH;
export const isRefusal = (error: unknown): boolean => error instanceof VerificationError;
