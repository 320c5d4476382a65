package dev.grace.boot.internal;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The next process, seen from the one that started it (tableflip's {@code child}).
 */
public interface SpawnedChild {

	long pid();

	/**
	 * Waits until the child says it is ready, exits, or {@code timeout} passes.
	 * @param timeout how long to wait
	 * @return what happened first
	 */
	Outcome awaitReady(Duration timeout);

	/**
	 * Stops the child: SIGTERM, then SIGKILL after {@code grace}; returns once it is
	 * reaped.
	 * @param grace how long SIGTERM may take
	 * @return how it ended
	 */
	ExitStatus stop(Duration grace);

	/**
	 * Whether the child has exited and been reaped.
	 * @return true once reaped
	 */
	boolean hasExited();

	/**
	 * How a process ended.
	 *
	 * @param code the exit code, or -1 if killed by a signal
	 * @param signal the signal that killed it, or -1
	 */
	record ExitStatus(int code, int signal) {

		/**
		 * Decodes a {@code waitpid} status.
		 * @param wait the status word
		 * @return the exit status
		 */
		public static ExitStatus of(int wait) {
			int termsig = wait & 0x7f;
			return (termsig == 0) ? new ExitStatus((wait >> 8) & 0xff, -1) : new ExitStatus(-1, termsig);
		}

		/**
		 * The status as a shell reports it, for a process that passes it on as its own.
		 * @return the exit code, or 128 plus the signal that killed it
		 */
		public int shellCode() {
			return (this.code >= 0) ? this.code : 128 + Math.max(this.signal, 0);
		}

		@Override
		public String toString() {
			if (this.code >= 0) {
				return "exit code " + this.code;
			}
			return (this.signal >= 0) ? "killed by signal " + this.signal : "unknown status (not our child)";
		}

	}

	/**
	 * What waiting for readiness found.
	 *
	 * @param kind ready, exited or timed out
	 * @param status how it exited, for {@link Kind#EXITED}
	 */
	record Outcome(Kind kind, @Nullable ExitStatus status) {

		public static Outcome ready() {
			return new Outcome(Kind.READY, null);
		}

		public static Outcome exited(ExitStatus status) {
			return new Outcome(Kind.EXITED, status);
		}

		public static Outcome timedOut() {
			return new Outcome(Kind.TIMED_OUT, null);
		}

		/** The possible outcomes. */
		public enum Kind {

			READY, EXITED, TIMED_OUT

		}

	}

}
