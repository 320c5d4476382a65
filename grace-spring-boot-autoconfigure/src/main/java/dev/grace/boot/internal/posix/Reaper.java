package dev.grace.boot.internal.posix;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jnr.constants.platform.Errno;
import jnr.constants.platform.WaitFlags;
import jnr.posix.POSIX;

import dev.grace.boot.internal.SpawnedChild.ExitStatus;

/**
 * Waits for a child of this process to exit and reaps it, on a daemon thread of its own,
 * made by the caller and so running at the caller's CPU priority: a waiting thread that a
 * busy machine leaves unscheduled leaves its child a zombie as long.
 */
final class Reaper {

	// A thread blocked in a native call (waitpid) holds up this JVM's exit by 300 ms
	// (HotSpot's VM_Exit waits for threads in native): a child may outlive a process that
	// was replaced, so it is polled, not waited for. Often while it is young, as a child
	// that cannot start ends then; ten times a second after that, as each poll wakes a
	// thread of a process that may be serving: at 100 a second, the polls of a side run's
	// reaper took 5 ms of CPU a second from it (0.4 % of its CPU under load).
	private static final long YOUNG_POLL_MILLIS = 10;

	private static final Duration POLL = Duration.ofMillis(100);

	private static final long YOUNG_NANOS = TimeUnit.SECONDS.toNanos(1);

	private Reaper() {
	}

	/**
	 * Starts waiting for a child.
	 * @param pid the child, which no other thread of this process waits for
	 * @param name the waiting thread's name
	 * @return its exit status once it is reaped; an unknown status if it is not (or no
	 * longer) this process's child
	 */
	static CompletableFuture<ExitStatus> start(long pid, String name) {
		return start(pid, name, POLL);
	}

	/**
	 * Starts waiting for a child, polled as often as its first second and then once per
	 * {@code poll}.
	 * @param pid the child, which no other thread of this process waits for
	 * @param name the waiting thread's name
	 * @param poll how often it is polled after its first second
	 * @return its exit status once it is reaped; an unknown status if it is not (or no
	 * longer) this process's child
	 */
	static CompletableFuture<ExitStatus> start(long pid, String name, Duration poll) {
		CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
		daemon(() -> reap(pid, poll.toMillis(), exit), name).start();
		return exit;
	}

	/**
	 * A daemon thread of this package's, for a child of this process.
	 * @param task what it runs
	 * @param name its name
	 * @return the thread, not started
	 */
	static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		// Not the creating thread's loader: Tomcat reports threads that hold the web
		// application's loader when it stops.
		thread.setContextClassLoader(Reaper.class.getClassLoader());
		return thread;
	}

	private static void reap(long pid, long pollMillis, CompletableFuture<ExitStatus> exit) {
		POSIX posix = NativePosix.get();
		int[] status = new int[1];
		long start = System.nanoTime();
		while (true) {
			long result = posix.waitpid(pid, status, WaitFlags.WNOHANG.intValue());
			if (result == pid) {
				exit.complete(ExitStatus.of(status[0]));
				return;
			}
			if (result < 0 && posix.errno() != Errno.EINTR.intValue()) {
				exit.complete(new ExitStatus(-1, -1));
				return;
			}
			try {
				Thread.sleep((System.nanoTime() - start < YOUNG_NANOS) ? YOUNG_POLL_MILLIS : pollMillis);
			}
			catch (InterruptedException ex) {
				return; // this process is exiting
			}
		}
	}

}
