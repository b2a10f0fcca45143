/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * node with a Worker and Buffers, for the report of V8's parts
 * (tests/e2e/allocators.sh): the main thread keeps 40 Buffers of 1 MiB
 * and 200000 small objects, the Worker 10 ArrayBuffers of 2 MiB and
 * 200000 small arrays.  Once both have them, it prints "ready PID" and
 * holds them until SIGUSR2, which ends the Worker and then itself.
 */
'use strict';
const { Worker, isMainThread, parentPort } = require('worker_threads');
const kept = [];

if (isMainThread) {
	for (let i = 0; i < 40; i++)
		kept.push(Buffer.alloc(1 << 20, i));
	for (let i = 0; i < 200000; i++)
		kept.push({ a: i, b: 'x' + i });
	const worker = new Worker(__filename);
	worker.on('message', () => console.log('ready ' + process.pid));
	worker.on('exit', () => process.exit(kept.length > 0 ? 0 : 1));
	process.on('SIGUSR2', () => worker.postMessage('end'));
} else {
	for (let i = 0; i < 10; i++)
		kept.push(new ArrayBuffer(2 << 20));
	for (let i = 0; i < 200000; i++)
		kept.push([i, i + 1]);
	parentPort.on('message', () => process.exit(0));
	parentPort.postMessage('ready');
}
