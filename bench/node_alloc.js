// SPDX-License-Identifier: LGPL-2.1-or-later
// A node service's memory work in small: objects and Buffers allocated
// and dropped (V8's heap grows and shrinks, Buffers come from malloc and
// mmap), and a worker thread doing the same.  scripts/bench traces it.
'use strict';
const { Worker, isMainThread, parentPort } = require('worker_threads');

function churn(rounds) {
	let kept = [];
	let sum = 0;
	for (let i = 0; i < rounds; i++) {
		const objs = [];
		for (let j = 0; j < 20000; j++)
			objs.push({ i, j, s: 'x' + j });
		kept.push(objs);
		if (kept.length > 8)
			kept = kept.slice(4);
		const buf = Buffer.alloc(256 * 1024 + (i % 7) * 4096, i & 0xff);
		sum += buf[i % buf.length] + objs.length;
	}
	return sum;
}

const rounds = Number(process.argv[2] || 400);
if (isMainThread) {
	const worker = new Worker(__filename, { argv: [String(rounds / 2)] });
	worker.on('message', (n) => {
		console.log(`main ${churn(rounds)} worker ${n}`);
	});
} else {
	parentPort.postMessage(churn(rounds));
}
