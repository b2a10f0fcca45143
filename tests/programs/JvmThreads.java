/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A JVM with many named threads, for the report of a Java service
 * (tests/e2e/allocators.sh): argv[0] threads (24 when not told), named
 * worker-0, worker-1..., each allocating 20 arrays of 64 KiB on the Java
 * heap; all of them alive at once, then all of them ending.
 */
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

public class JvmThreads {
	public static void main(String[] args) throws InterruptedException {
		int n = args.length > 0 ? Integer.parseInt(args[0]) : 24;
		List<byte[]> kept = Collections.synchronizedList(new ArrayList<>());
		CountDownLatch allocated = new CountDownLatch(n);
		CountDownLatch done = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();

		for (int i = 0; i < n; i++) {
			Thread t = new Thread(() -> {
				for (int k = 0; k < 20; k++)
					kept.add(new byte[64 * 1024]);
				allocated.countDown();
				try {
					done.await();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}, "worker-" + i);
			t.start();
			threads.add(t);
		}
		allocated.await();
		done.countDown();
		for (Thread t : threads)
			t.join();
		System.out.println(kept.size());
	}
}
