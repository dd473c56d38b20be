// The official npm SDK @ory/client-fetch (the Ory Network client, fetch-based, seed 003's package)
// driving the mock's public API as an app's native client does: native login and registration
// flows with the password method, whoami by token and by bearer header, the user's own sessions,
// native logout. Every response goes through the SDK's FromJSON decoders (this generation keeps
// the wire's snake_case property names; request parameters are camelCase).
//
// Usage: node ory_client_fetch_frontend_api.js <public url> <seed JSON>
// with NODE_PATH pointing at the node_modules that holds @ory/client-fetch. The seed JSON names the
// identity the test created: {"identity": id, "email": "...", "password": "..."}. The last line
// printed is "OK <n> operations", the one before it "SEEN <JSON>": what the Python side checks
// through the admin API. Any failure exits with status 1.
"use strict";

const assert = require("assert/strict");
const { Configuration, FrontendApi, ResponseError } = require("@ory/client-fetch");

let calls = 0;

function step(name) {
  calls += 1;
  console.log(`${String(calls).padStart(3)} ${name}`);
}

// The call must fail with this HTTP status; returns the decoded JSON body.
async function expectStatus(status, promise) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    assert.ok(err instanceof ResponseError, `not an HTTP error: ${err}`);
    const body = await err.response.json();
    assert.equal(err.response.status, status, JSON.stringify(body));
    return body;
  }
  assert.fail(`expected HTTP ${status}, got ${JSON.stringify(result)}`);
}

function node(flow, name) {
  const found = flow.ui.nodes.find((n) => n.attributes.name === name);
  assert.ok(found, `no node ${name}`);
  return found;
}

async function login(api, identifier, password) {
  const flow = await api.createNativeLoginFlow();
  return api.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: "password", identifier, password },
  });
}

async function main(url, seed) {
  const api = new FrontendApi(new Configuration({ basePath: url }));

  step("createNativeLoginFlow");
  const flow = await api.createNativeLoginFlow();
  assert.equal(flow.type, "api");
  assert.ok(flow.expires_at instanceof Date && flow.expires_at > flow.issued_at);
  assert.equal(flow.ui.action, `${url}/self-service/login?flow=${flow.id}`);
  assert.equal(node(flow, "identifier").attributes.type, "text");

  step("getLoginFlow");
  assert.equal((await api.getLoginFlow({ id: flow.id })).id, flow.id);

  step("updateLoginFlow (wrong password: the flow again, 400, message 4000006)");
  const refused = await expectStatus(
    400,
    api.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: { method: "password", identifier: seed.email, password: "not the password" },
    }),
  );
  assert.deepEqual(
    refused.ui.messages.map((m) => m.id),
    [4000006],
  );
  assert.equal(node(refused, "identifier").attributes.value, seed.email);

  step("updateLoginFlow");
  const first = await api.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: "password", identifier: seed.email, password: seed.password },
  });
  assert.ok(first.session_token.startsWith("ory_st_"));
  assert.equal(first.session.identity.id, seed.identity);
  assert.deepEqual(
    first.session.authentication_methods.map((m) => m.method),
    ["password"],
  );

  step("toSession (X-Session-Token)");
  const me = await api.toSession({ xSessionToken: first.session_token });
  assert.equal(me.id, first.session.id);
  assert.equal(me.active, true);
  assert.deepEqual(me.identity.traits, { email: seed.email });
  assert.ok(me.expires_at instanceof Date && me.expires_at > me.authenticated_at);

  step("toSession (Authorization: Bearer)");
  const bearer = await api.toSession({}, { headers: { Authorization: `Bearer ${first.session_token}` } });
  assert.equal(bearer.id, first.session.id);

  step("updateLoginFlow (a second and a third session)");
  const second = await login(api, seed.email, seed.password);
  const third = await login(api, seed.email, seed.password);

  step("listMySessions");
  const mine = await api.listMySessions({ xSessionToken: first.session_token });
  assert.deepEqual(mine.map((s) => s.id).sort(), [second.session.id, third.session.id].sort());

  step("disableMySession");
  await api.disableMySession({ id: second.session.id, xSessionToken: first.session_token });

  step("disableMyOtherSessions");
  const revoked = await api.disableMyOtherSessions({ xSessionToken: first.session_token });
  assert.equal(typeof revoked.count, "number");
  assert.deepEqual(await api.listMySessions({ xSessionToken: first.session_token }), []);

  step("createNativeRegistrationFlow");
  const registration = await api.createNativeRegistrationFlow();
  assert.equal(registration.type, "api");

  step("updateRegistrationFlow (duplicate: 400, message 4000007)");
  const duplicate = await expectStatus(
    400,
    api.updateRegistrationFlow({
      flow: registration.id,
      updateRegistrationFlowBody: { method: "password", traits: { email: seed.email }, password: seed.password },
    }),
  );
  assert.deepEqual(
    duplicate.ui.messages.map((m) => m.id),
    [4000007],
  );

  step("updateRegistrationFlow (short password: 400, 4000032 on the password node)");
  const short = await expectStatus(
    400,
    api.updateRegistrationFlow({
      flow: registration.id,
      updateRegistrationFlowBody: { method: "password", traits: { email: "new@example.com" }, password: "short" },
    }),
  );
  assert.deepEqual(
    node(short, "password").messages.map((m) => m.id),
    [4000032],
  );

  step("updateRegistrationFlow");
  const registered = await api.updateRegistrationFlow({
    flow: registration.id,
    updateRegistrationFlowBody: { method: "password", traits: { email: "new@example.com" }, password: seed.password },
  });
  assert.deepEqual(registered.identity.traits, { email: "new@example.com" });
  assert.equal(registered.session_token, undefined); // no session hook by default
  assert.equal(registered.session, undefined);

  step("performNativeLogout");
  await api.performNativeLogout({ performNativeLogoutBody: { session_token: first.session_token } });

  step("toSession (after logout: 401)");
  const gone = await expectStatus(401, api.toSession({ xSessionToken: first.session_token }));
  assert.equal(gone.error.code, 401);

  const sessions = [first.session.id, second.session.id, third.session.id];
  console.log(`SEEN ${JSON.stringify({ sessions, registered: registered.identity.id })}`);
  console.log(`OK ${calls} operations`);
}

main(process.argv[2], JSON.parse(process.argv[3])).catch((err) => {
  console.error(err);
  process.exit(1);
});
