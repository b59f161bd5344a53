// A real OpenID provider for the test suite: panva's oidc-provider (OpenID Certified), with
// the people, clients and signing key the tests give it.
//
//   node provider.mjs <port> <config.json>
//
// config.json: { "clients": [...oidc-provider client metadata], "pkce_required": true }
// The tests also talk to it on a few routes of its own, under /_test/:
//   PUT  /_test/accounts   {"<subject>": {"email": "...", ...claims}}: who may sign in (the
//                          login name on its development login page is the subject)
//   PUT  /_test/forgery    {"id_token": "<mode>"}   how the next token answers' id_token is
//                          altered, to play a broken or hostile provider (see forge() below);
//                          {} puts it back to honest.
// Everything else is the provider as it ships: discovery, authorisation with its development
// login and consent pages, token, userinfo, JWKS, end-session, client registration.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const signingKey = await jose.generateKeyPair('RS256', { extractable: true });
const privateJwk = { ...(await jose.exportJWK(signingKey.privateKey)), kid: 'suite-key-1', alg: 'RS256', use: 'sig' };

let accounts = {};
let forgery = {};

async function findAccount(ctx, id) {
  const person = accounts[id];
  if (!person) return undefined;
  return {
    accountId: id,
    async claims() {
      return { ...person, sub: id };
    },
  };
}

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [privateJwk] },
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'department'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => config.pkce_required !== false },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // Dynamic registration (RFC 7591): a browser test registers the live server's callback.
    registration: { enabled: true },
  },
  cookies: { keys: ['suite-cookie-key-0123456789'] },
  // Tokens are checked by the portal against the clock, so the provider says plainly when.
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
});
provider.proxy = false;

// The id_token a hostile or broken provider might send instead of the honest one.
async function forge(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  const sign = (payload, key = signingKey.privateKey, kid = privateJwk.kid) =>
    new jose.SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
  switch (mode) {
    case 'wrong_audience':
      return sign({ ...claims, aud: 'another-app' });
    case 'extra_audience_without_azp':
      return sign({ ...claims, aud: [claims.aud, 'another-app'], azp: undefined });
    case 'wrong_issuer':
      return sign({ ...claims, iss: 'http://idp.example.invalid' });
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 });
    case 'issued_30s_ahead':
      return sign({ ...claims, iat: now + 30, exp: now + 3630 });
    case 'issued_10min_ahead':
      return sign({ ...claims, iat: now + 600, exp: now + 4200 });
    case 'groups_in_id_token_only': // as Entra ID sends them
      return sign({ ...claims, groups: ['reviewer'] });
    case 'wrong_nonce':
      return sign({ ...claims, nonce: 'not-the-nonce-the-portal-sent' });
    case 'no_subject': {
      const { sub, ...rest } = claims;
      return sign(rest);
    }
    case 'other_key': {
      const other = await jose.generateKeyPair('RS256');
      return sign(claims, other.privateKey);
    }
    case 'alg_none': {
      const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    }
    case 'not_a_jwt':
      return 'this-is-not-a-token';
    default:
      throw new Error(`unknown forgery ${mode}`);
  }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/accounts' && ctx.method === 'PUT') {
    accounts = await readJson(ctx.req);
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/_test/forgery' && ctx.method === 'PUT') {
    forgery = await readJson(ctx.req);
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && forgery.id_token && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await forge(ctx.body.id_token, forgery.id_token) };
  }
});

createServer(provider.callback()).listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
