// SPDX-License-Identifier: LGPL-2.1-or-later
// A JVM service's memory work in small (scripts/bench): THREADS threads,
// each allocating ROUNDS batches of objects and arrays and dropping most
// of them, so that the heap grows, the collector runs, and thread stacks,
// TLABs and the code cache are mapped.  Run as a single-file program:
//   java -Xmx1g bench/JavaAlloc.java THREADS ROUNDS
import java.util.ArrayList;
import java.util.List;

public class JavaAlloc {
	static long churn(int rounds) {
		List<long[]> kept = new ArrayList<>();
		long sum = 0;
		for (int i = 0; i < rounds; i++) {
			List<Object> batch = new ArrayList<>();
			for (int j = 0; j < 2000; j++)
				batch.add(new StringBuilder().append(i).append('-').append(j).toString());
			long[] big = new long[16384 + (i % 7) * 1024];
			big[i % big.length] = i;
			kept.add(big);
			if (kept.size() > 16)
				kept.subList(0, 8).clear();
			sum += batch.size() + big.length;
		}
		return sum;
	}

	public static void main(String[] args) throws InterruptedException {
		int threads = args.length > 0 ? Integer.parseInt(args[0]) : 24;
		int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
		long[] sums = new long[threads];
		Thread[] ts = new Thread[threads];
		for (int t = 0; t < threads; t++) {
			final int id = t;
			ts[t] = new Thread(() -> sums[id] = churn(rounds));
			ts[t].start();
		}
		long total = 0;
		for (int t = 0; t < threads; t++) {
			ts[t].join();
			total += sums[t];
		}
		System.out.println(total);
	}
}
