// A real OpenID provider (the certified `oidc-provider`) for Kulisser's tests, with
// SITHS-like claims. Started by tests/oidc/harness.py:
//   node provider.mjs  (env OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
//                        OIDC_REDIRECT_URIS, OIDC_POST_LOGOUT_URIS: comma-separated;
//                        OIDC_ACCOUNTS: another accounts file, as `kulisser demo` passes;
//                        OIDC_EXIT_WITH_STDIN=1: exit when stdin closes, i.e. the parent died)
// and by `kulisser demo` (kulisser/demo_oidc.py) with the demo's accounts.
// Its own login form (any password) logs in the accounts of accounts.json; consent is given
// at once; the ID token carries the HSA claims, acr and amr as the region's provider would.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const accountsFile = process.env.OIDC_ACCOUNTS || new URL('./accounts.json', import.meta.url);
const data = JSON.parse(readFileSync(accountsFile, 'utf8'));
if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  // The demo's child: a parent that stops, even killed, closes the pipe and stops us too.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
const port = Number(process.env.OIDC_PORT);
const list = (name) => (process.env[name] || '').split(',').filter(Boolean);
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: list('OIDC_REDIRECT_URIS'),
    post_logout_redirect_uris: list('OIDC_POST_LOGOUT_URIS'),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  acrValues: [data.acr],
  claims: {
    acr: null, amr: null, auth_time: null, sid: null, iss: null,
    // SITHS: the level of assurance and the card as the method, in every ID token.
    openid: ['sub', 'acr', 'amr'],
    profile: ['name', 'employeeHsaId', 'commissionHsaId', 'healthCareProviderHsaId'],
  },
  conformIdTokenClaims: false, // the HSA claims in the ID token itself, as the region sends them
  cookies: { keys: ['kulisser-test-provider'] },
  features: {
    devInteractions: { enabled: false }, // our own form below, which sets acr and amr
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html><body><h1>Logga ut</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Logga ut</button></body></html>`;
      },
    },
  },
  async findAccount(ctx, id) {
    const account = data.accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

const loginForm = (uid, error = '') => `<!doctype html><html lang="sv"><body>
  <h1>Testleverantörens inloggning</h1>
  <p>Konton: ${Object.keys(data.accounts).map(escape).join(', ')} (valfritt lösenord)</p>${error ? `<p class="error">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}">
    <label>Konto <input id="login" name="login" autofocus></label>
    <label>Lösenord <input id="password" name="password" type="password"></label>
    <button type="submit">Logga in</button>
  </form></body></html>`;

async function readBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    if (ctx.method !== 'POST') {
      ctx.type = 'html';
      ctx.body = loginForm(match[1]);
      return undefined;
    }
    const login = (await readBody(ctx.req)).get('login') || '';
    if (!data.accounts[login]) {
      ctx.type = 'html';
      ctx.body = loginForm(match[1], 'Okänt konto');
      return undefined;
    }
    result = { login: { accountId: login, acr: data.acr, amr: data.amr } };
  } else {
    // Consent: grant what the client asked for (a first-party client of the region).
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  }
  const target = await provider.interactionResult(ctx.req, ctx.res, result,
    { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(target);
  return undefined;
});

provider.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
