import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/store/ports/conflict-error.js';
import { StorageUnavailableError } from '../../src/store/ports/storage-unavailable-error.js';
import { classifyingStorageErrors, classifyStorageError } from '../../src/store/sql/storage-failure.js';

const withCode = (code: string, message = 'driver error') => Object.assign(new Error(message), { code });

describe('classifyStorageError: storage that cannot be reached or written, and nothing else', () => {
  it.each([
    ['PostgreSQL admin shutdown (pg_ctl stop -m fast)', withCode('57P01', 'terminating connection due to administrator command'), '57P01'],
    ['PostgreSQL crash shutdown (pg_ctl stop -m immediate)', withCode('57P02'), '57P02'],
    ['PostgreSQL starting or shutting down', withCode('57P03', 'the database system is shutting down'), '57P03'],
    ['a connection exception (class 08)', withCode('08006'), '08006'],
    ['PostgreSQL disk full (class 53)', withCode('53100'), '53100'],
    ['too many connections', withCode('53300'), '53300'],
    ['a PostgreSQL I/O error (class 58)', withCode('58030'), '58030'],
    ['the database refusing connections', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'ECONNREFUSED'],
    ['a connection reset', withCode('ECONNRESET'), 'ECONNRESET'],
    ['every address of a host name refusing', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined }), 'ECONNREFUSED'],
    ['a socket closed under a query', new Error('Connection terminated unexpectedly'), 'connection_lost'],
    ['a client that lost its connection', new Error('Client has encountered a connection error and is not queryable'), 'connection_lost'],
    ['no connection within the timeout', new Error('timeout exceeded when trying to connect'), 'connection_lost'],
    ['SQLite: the disk is full', withCode('SQLITE_FULL', 'database or disk is full'), 'SQLITE_FULL'],
    ['SQLite: an I/O error (extended code)', withCode('SQLITE_IOERR_WRITE'), 'SQLITE_IOERR_WRITE'],
    ['SQLite: locked past busy_timeout', withCode('SQLITE_BUSY'), 'SQLITE_BUSY'],
    ['the file system: no space', withCode('ENOSPC'), 'ENOSPC'],
  ])('%s is StorageUnavailableError', (_name, error, code) => {
    const classified = classifyStorageError(error);
    expect(classified).toBeInstanceOf(StorageUnavailableError);
    expect((classified as StorageUnavailableError).code).toBe(code);
    expect((classified as StorageUnavailableError).cause).toBe(error);
    expect((classified as StorageUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a serialization failure', withCode('40001')],
    ['a syntax error', withCode('42601')],
    ['a SQLite constraint', withCode('SQLITE_CONSTRAINT_PRIMARYKEY')],
    ['a domain conflict', new ConflictError('kid exists')],
    ['a bug', new TypeError('x is not a function')],
    ['a thrown string', 'nope'],
  ])('%s is left as it is', (_name, error) => {
    expect(classifyStorageError(error)).toBe(error);
  });
});

describe('classifyingStorageErrors', () => {
  it('classifies what every verb throws, tells the observer, and leaves results and other errors alone', async () => {
    const seen: string[] = [];
    const port = classifyingStorageErrors(
      {
        ok: async (n: number) => n + 1,
        full: async () => Promise.reject(withCode('SQLITE_FULL')),
        conflict: async () => Promise.reject(new ConflictError('taken')),
      },
      (error) => seen.push(error.code),
    );
    await expect(port.ok(1)).resolves.toBe(2);
    await expect(port.full()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(port.conflict()).rejects.toBeInstanceOf(ConflictError);
    expect(seen).toEqual(['SQLITE_FULL']);
  });
});
