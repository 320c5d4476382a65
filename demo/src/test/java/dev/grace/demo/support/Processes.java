package dev.grace.demo.support;

import java.time.Duration;
import java.util.OptionalInt;

import jnr.ffi.LibraryLoader;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * Real signals and exit codes for processes the tests start. The test JVM makes itself a
 * child subreaper, so that a restarted process whose parent exited becomes its child
 * and its exit code can be read with {@code waitpid}, and no zombie is left behind.
 */
public final class Processes {

	public static final int SIGKILL = 9;

	public static final int SIGUSR2 = 12;

	public static final int SIGTERM = 15;

	private static final int PR_SET_CHILD_SUBREAPER = 36;

	private static final int WNOHANG = 1;

	private static final POSIX posix = POSIXFactory.getNativePOSIX();

	static {
		int result = LibraryLoader.create(Prctl.class).load("c").prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		if (result != 0) {
			throw new IllegalStateException("prctl(PR_SET_CHILD_SUBREAPER) failed");
		}
	}

	private Processes() {
	}

	/** Makes sure the subreaper is set before a process is started. */
	public static void init() {
	}

	public static void signal(long pid, int signal) {
		if (posix.kill(pid, signal) != 0) {
			throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed: errno " + posix.errno());
		}
	}

	public static boolean isAlive(long pid) {
		return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
	}

	/**
	 * Waits for an adopted (or own, non-{@link Process}) child to exit and reaps it.
	 * @param pid the pid
	 * @param timeout how long to wait
	 * @return the exit code (128 + signal if killed), empty if it did not exit in time
	 */
	public static OptionalInt awaitExit(long pid, Duration timeout) {
		int[] status = new int[1];
		long[] result = new long[1];
		int[] errno = new int[1];
		try {
			// Polled in this thread: a child reaped by waitpid must never be lost to a
			// timeout declared while another thread was reaping it.
			await("exit of pid " + pid).pollInSameThread()
				.atMost(timeout)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> {
					result[0] = posix.waitpid(pid, status, WNOHANG);
					// < 0 (ECHILD): its parent is still exiting; it is reparented to us next
					errno[0] = (result[0] < 0) ? posix.errno() : 0;
					return result[0] == pid;
				});
		}
		catch (ConditionTimeoutException ex) {
			if (result[0] < 0) {
				throw new IllegalStateException(
						"Process " + pid + " never became a child of the test JVM (errno " + errno[0] + ")", ex);
			}
			return OptionalInt.empty();
		}
		int termsig = status[0] & 0x7f;
		return OptionalInt.of((termsig == 0) ? (status[0] >> 8) & 0xff : 128 + termsig);
	}

	/** The one libc call jnr-posix does not have. */
	public interface Prctl {

		int prctl(int option, long arg2, long arg3, long arg4, long arg5);

	}

}
