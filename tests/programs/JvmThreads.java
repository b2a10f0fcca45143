/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A JVM with many named threads, for the report of a Java service
 * (tests/e2e/allocators.sh): argv[0] threads (24 when not told), named
 * worker-0, worker-1..., each allocating 20 arrays of 64 KiB on the Java
 * heap, all of them alive until the process ends (System.exit), so that
 * no thread the JVM starts later is given one of their stacks.
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
		CountDownLatch never = new CountDownLatch(1);

		for (int i = 0; i < n; i++) {
			Thread t = new Thread(() -> {
				for (int k = 0; k < 20; k++)
					kept.add(new byte[64 * 1024]);
				allocated.countDown();
				try {
					never.await();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}, "worker-" + i);
			t.setDaemon(true);
			t.start();
		}
		allocated.await();
		System.out.println(kept.size());
		System.exit(0);
	}
}
