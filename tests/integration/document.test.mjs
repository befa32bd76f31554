// The stage document's REST routes and messages against the real server:
// upload by an admitted participant, who may fetch it (and who may not), the
// view that others follow, removal by owner and host, what a resume blip,
// leaving and the end of the meeting do to it, and hostile uploads (no
// session, wrong meeting, oversize Content-Length, truncated body, a program
// renamed .pdf, the memory cap). The file's bytes never reach the data
// directory or the log.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Server, PASSWORD, CA, HOST, installHooks, sleep } from './lib.mjs';
import { makeCvPdf, makeElf } from '../fixtures/cv-pdf.mjs';

installHooks();

const MARKER = `SAMTALE-DOC-MARKER-${process.pid}-${Date.now()}`;
const PDF = makeCvPdf(MARKER);

let server, api, meeting, other;
let host, citizen, interpreter, guest;

function docPath(id) {
    return `/api/meetings/${id}/document`;
}

function upload(c, body, { meetingId = meeting.meeting.id, headers = {} } = {}) {
    return server.request('POST', docPath(meetingId), {
        rawBody: body,
        headers: { 'Content-Type': 'application/pdf', Authorization: `Bearer ${c.resumeToken}`, ...headers },
    });
}

function fetchDoc(token, meetingId = meeting.meeting.id) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    return new Promise((resolve, reject) => {
        // Raw bytes back: server.request decodes text.
        import('node:https').then(({ default: https }) => {
            const req = https.request({ host: HOST, port: server.port, path: docPath(meetingId), method: 'GET', headers, ca: CA, agent: false }, (res) => {
                const chunks = [];
                res.on('data', (x) => chunks.push(x));
                res.on('end', () => {
                    const body = Buffer.concat(chunks);
                    let json;
                    try { json = JSON.parse(body.toString('utf8')); } catch { json = undefined; }
                    resolve({ status: res.statusCode, headers: res.headers, body, json });
                });
            });
            req.on('error', reject);
            req.end();
        }, reject);
    });
}

/** Sends raw request head (and optionally part of a body) over TLS; resolves with the socket and the first answer bytes. */
function rawRequest(head, bodyPart = null) {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host: HOST, port: server.port, ca: CA, servername: 'localhost' }, () => {
            s.write(head);
            if (bodyPart) s.write(bodyPart);
        });
        let got = '';
        const timer = setTimeout(() => resolve({ socket: s, text: got }), 1500);
        s.on('data', (d) => {
            got += d.toString('latin1');
            if (/\r\n\r\n[\s\S]*\}\}/.test(got)) {
                clearTimeout(timer);
                resolve({ socket: s, text: got });
            }
        });
        s.on('error', (e) => { clearTimeout(timer); if (got) resolve({ socket: s, text: got }); else reject(e); });
        s.on('close', () => { clearTimeout(timer); resolve({ socket: s, text: got }); });
    });
}

function head(meetingId, token, length) {
    return `POST ${docPath(meetingId)} HTTP/1.1\r\nHost: ${HOST}:${server.port}\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/pdf\r\nContent-Length: ${length}\r\n\r\n`;
}

async function joinAdmitted(m, i, name) {
    const c = await server.join(m.links[i].token, name);
    await c.next('lobby');
    host.send({ type: 'admit', participant_id: c.id });
    await c.next('admitted');
    return c;
}

before(async () => {
    server = new Server({ name: 'document', config: { document_max_mb: 2, document_memory_mb: 4, resume_seconds: 10 } });
    server.addUser('anna', 'Anna Jensen', PASSWORD);
    await server.start();
    api = await server.login('anna', PASSWORD);
    meeting = await api.createMeeting({ title: 'CV-gennemgang', roles: ['citizen', 'interpreter', 'advocate'] });
    other = await api.createMeeting({ title: 'Et andet møde', roles: ['citizen'] });
    host = await server.join(meeting.host_link.token, 'Anna Jensen');
    await host.next('admitted');
    citizen = await joinAdmitted(meeting, 0, 'Mette Hansen');
    interpreter = await joinAdmitted(meeting, 1, 'Ali Rahimi');
    guest = await server.join(meeting.links[2].token, 'Lene Lobby');
    await guest.next('lobby');
});

test('hostile uploads are refused with clear codes and hold no memory', async () => {
    // No session at all.
    let r = await server.request('POST', docPath(meeting.meeting.id), { rawBody: PDF, headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(r.status, 401);
    assert.equal(r.json?.error?.code, 'no_session');
    // A seat of this meeting used on another meeting.
    r = await upload(citizen, PDF, { meetingId: other.meeting.id });
    assert.equal(r.status, 404);
    assert.equal(r.json?.error?.code, 'not_found');
    // A made-up seat, and a lobby guest's seat.
    r = await upload({ resumeToken: 'A'.repeat(32) }, PDF);
    assert.equal(r.status, 404);
    r = await upload(guest, PDF);
    assert.equal(r.status, 404);
    // From another site.
    r = await upload(citizen, PDF, { headers: { Origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    // A program renamed cv.pdf: refused by content.
    r = await upload(citizen, makeElf());
    assert.equal(r.status, 415);
    assert.equal(r.json?.error?.code, 'unsupported_type');
    // A large one is read to its end before the answer, so the client sees it.
    r = await upload(citizen, makeElf(2 * 1024 * 1024));
    assert.equal(r.status, 415);
    // Empty and chunked bodies.
    r = await upload(citizen, Buffer.alloc(0));
    assert.equal(r.status, 400);
    // Over the size limit (2 MB here): answered at once from the headers.
    let raw = await rawRequest(head(meeting.meeting.id, citizen.resumeToken, 30 * 1024 * 1024));
    assert.match(raw.text, /^HTTP\/1\.1 413/);
    assert.match(raw.text, /"too_big"/);
    raw.socket.destroy();
    // Bad Content-Length.
    raw = await rawRequest(head(meeting.meeting.id, citizen.resumeToken, '12, 12'));
    assert.match(raw.text, /^HTTP\/1\.1 400/);
    raw.socket.destroy();

    // Two uploads in flight reserve the whole memory cap (4 MB): a third is
    // turned away; when they are cut off (truncated bodies), the memory comes back.
    const size = 2 * 1024 * 1024;
    const a = await rawRequest(head(meeting.meeting.id, citizen.resumeToken, size), PDF);
    const b = await rawRequest(head(meeting.meeting.id, interpreter.resumeToken, size), PDF);
    assert.equal(a.text, '', 'a partial upload is not answered yet');
    r = await upload(host, PDF);
    assert.equal(r.status, 503);
    assert.equal(r.json?.error?.code, 'busy');
    a.socket.destroy();
    b.socket.destroy();
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
        await sleep(100);
        r = await upload(host, makeElf(64)); // refused by type, but only after a reservation
        ok = r.status === 415;
    }
    assert.ok(ok, `memory of truncated uploads came back (last answer ${r.status} ${JSON.stringify(r.json)})`);
    assert.equal(host.history.filter((m) => m.type === 'document').length, 0, 'nothing was shown');
});

test('an admitted participant shows a PDF: everyone admitted is told, only they can fetch it', async () => {
    const r = await upload(citizen, PDF);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.mime, 'application/pdf');
    assert.equal(r.json.size, PDF.length);
    for (const c of [host, citizen, interpreter]) {
        const m = await c.next('document');
        assert.equal(m.doc, r.json.doc);
        assert.equal(m.owner, citizen.id);
        assert.equal(m.mime, 'application/pdf');
        assert.equal(m.page, 1);
    }
    const got = await fetchDoc(interpreter.resumeToken);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/pdf');
    assert.equal(got.headers['cache-control'], 'no-store');
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.ok(got.body.equals(PDF), 'the same bytes come back');
    assert.equal((await fetchDoc(null)).status, 401);
    assert.equal((await fetchDoc(guest.resumeToken)).status, 404, 'a lobby guest cannot fetch it');
    assert.equal((await fetchDoc(citizen.resumeToken, other.meeting.id)).status, 404, 'not under another meeting');
    // One at a time.
    const second = await upload(interpreter, PDF);
    assert.equal(second.status, 409);
    assert.equal(second.json?.error?.code, 'document_shown');
    await guest.expectNone('document', 200);
});

test('the owner steers the view; others follow; nobody else may', async () => {
    const doc = (await fetchDoc(host.resumeToken)).status === 200 && host.history.find((m) => m.type === 'document').doc;
    interpreter.send({ type: 'doc_view', doc, page: 2, zoom: 1, x: 0, y: 0 });
    await interpreter.error('not_permitted');
    citizen.send({ type: 'doc_view', doc, page: 0, zoom: 1, x: 0, y: 0 });
    await citizen.error('bad_message');
    citizen.send({ type: 'doc_view', doc, page: 2, zoom: 99, x: 0, y: 0 });
    await citizen.error('bad_message');
    citizen.send({ type: 'doc_view', doc: doc + 1, page: 2, zoom: 1, x: 0, y: 0 });
    await citizen.error('not_found');
    citizen.send({ type: 'doc_view', doc, page: 2, zoom: 1.5, x: 0.25, y: 0.5 });
    for (const c of [host, interpreter]) {
        const v = await c.next('doc_view');
        assert.deepEqual([v.doc, v.page, v.zoom, v.x, v.y], [doc, 2, 1.5, 0.25, 0.5]);
    }
    await citizen.expectNone('doc_view', 200);
});

test('a resume blip keeps the document; a late admission gets it with its view', async () => {
    citizen.terminate();
    await host.roster((ps) => ps.find((p) => p.id === citizen.id)?.state === 'reconnecting');
    assert.equal((await fetchDoc(host.resumeToken)).status, 200, 'still there while the owner reconnects');
    const token = citizen.resumeToken;
    citizen = await server.resume(token, { label: 'Mette (resumed)' });
    const m = await citizen.next('document');
    assert.equal(m.page, 2, 'the view is kept');
    host.send({ type: 'admit', participant_id: guest.id });
    await guest.next('admitted');
    const g = await guest.next('document');
    assert.equal(g.page, 2);
    assert.equal(g.zoom, 1.5);
});

test('removal: not by others, yes by the host; leaving for good removes one\'s own', async () => {
    const doc = citizen.history.filter((m) => m.type === 'document').pop().doc;
    interpreter.send({ type: 'doc_remove', doc });
    await interpreter.error('not_permitted');
    host.send({ type: 'doc_remove', doc });
    for (const c of [host, citizen, interpreter, guest]) {
        const m = await c.next('document_removed');
        assert.equal(m.doc, doc);
        assert.equal(m.reason, 'removed');
    }
    assert.equal((await fetchDoc(citizen.resumeToken)).status, 404);

    // The interpreter shows one and leaves: it goes with them.
    const r = await upload(interpreter, PDF);
    assert.equal(r.status, 201);
    await host.next('document');
    interpreter.send({ type: 'leave' });
    const gone = await host.next('document_removed');
    assert.equal(gone.reason, 'owner_left');
    assert.equal((await fetchDoc(host.resumeToken)).status, 404);
});

test('when the meeting ends the document is gone: 404', async () => {
    const r = await upload(citizen, PDF);
    assert.equal(r.status, 201);
    await host.next('document');
    const token = citizen.resumeToken;
    assert.equal((await fetchDoc(token)).status, 200);
    host.send({ type: 'end' });
    await citizen.next('meeting_ended');
    assert.equal((await fetchDoc(token)).status, 404);
    assert.equal((await fetchDoc(host.resumeToken)).status, 404);
});

test('the file never reaches the data directory or the log', async () => {
    const needle = Buffer.from(MARKER);
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const f of walk(server.dataDir)) assert.equal(fs.readFileSync(f).indexOf(needle), -1, `${f} holds the document`);
    assert.ok(!server.log.some(([, line]) => line.includes(MARKER)), 'the log holds the document');
    assert.ok(server.log.some(([, line]) => /shows document \d+ \(application\/pdf/.test(line)), 'the upload is logged without its content');
});
