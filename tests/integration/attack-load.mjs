// The attackers of attack.test.mjs, run in a worker thread so that their own
// TLS work does not stall the measuring thread's event loop (the attackers
// stand for other machines). workerData: {port, ca, kind: 'logins'|'slowloris',
// base (logins: first source address), hello (slowloris: a TLS ClientHello)}. Posts {ready} once the crowd is in
// place, {done, statuses} at the end; 'stop' ends the slowloris crowd.

import { parentPort, workerData } from 'node:worker_threads';
import https from 'node:https';
import net from 'node:net';

const { port, ca, kind } = workerData;
const HOST = '127.0.0.1';

/** One failing login from a given source address; resolves to the HTTP status (0 on error). */
function badLogin(localAddress) {
    const body = JSON.stringify({ username: 'anna', password: 'wrong password 123' });
    return new Promise((resolve) => {
        const req = https.request({
            host: HOST, port, method: 'POST', path: '/api/login', ca, agent: false, localAddress,
            headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.setTimeout(60000, () => { req.destroy(); resolve(0); });
        req.on('error', () => resolve(0));
        req.end(body);
    });
}

async function logins() {
    parentPort.postMessage({ ready: true });
    const statuses = [];
    // 30 at once from 10 addresses (127.0.0.<base>..<base + 9>): 3 per
    // address, within the limit of 10 a minute.
    const all = [];
    for (let i = 0; i < 30; i++) all.push(badLogin(`127.0.0.${workerData.base + (i % 10)}`));
    statuses.push(...await Promise.all(all));
    parentPort.postMessage({ done: true, statuses });
}

/**
 * 150 connections that send a TLS ClientHello one byte every 200 ms and 150
 * that connect and say nothing, from 127.0.0.100-129 (10 each, under the
 * per-address cap).
 */
async function slowloris() {
    const hello = Buffer.from(workerData.hello);
    const sockets = [];
    const timers = [];
    const open = (i, slow) => new Promise((resolve) => {
        const s = net.connect({ host: HOST, port, localAddress: `127.0.0.${100 + (i % 30)}` });
        s.on('error', () => {});
        s.once('connect', resolve);
        s.once('error', resolve);
        setTimeout(resolve, 2000);
        sockets.push(s);
        if (slow) {
            let at = 0;
            timers.push(setInterval(() => {
                if (s.destroyed || at >= hello.length) return;
                s.write(hello.subarray(at, at + 1));
                at++;
            }, 200));
        }
    });
    const all = [];
    for (let i = 0; i < 300; i++) all.push(open(i, i % 2 === 0));
    await Promise.all(all);
    parentPort.postMessage({ ready: true });
    parentPort.once('message', () => {
        const closed = sockets.filter((s) => s.destroyed || s.readyState !== 'open').length;
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        parentPort.postMessage({ done: true, closed });
    });
}

if (kind === 'logins') await logins();
else await slowloris();
