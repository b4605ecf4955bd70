/** RFC 6749 §4.4 client credentials grant. */
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
/** RFC 8693 §2.1 token exchange grant. */
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 7523 §2.1 JWT bearer authorization grant. */
export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** OpenID CIBA Core 1.0 §10.1 grant: a token for what a person approved out of band. */
export const GRANT_CIBA = 'urn:openid:params:grant-type:ciba';

/** Grant types an agent may be registered for. */
export const GRANT_TYPES = [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE, GRANT_JWT_BEARER, GRANT_CIBA] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** RFC 7523 §2.2 client assertion type. */
export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
