package dev.grace.boot.restart;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One restart, as the status shows it.
 *
 * @param trigger what asked for it
 * @param startedAt when it was asked for
 * @param outcome where it stands
 * @param childPid the new process, -1 before it was started
 * @param readyAfterMillis from the request to the new process's readiness, -1 if never
 * ready
 * @param reason why it failed or was refused, null otherwise
 * @param release the jar and working directory of the new process, null until they were
 * read (just before it is started) or when they could not be used
 * @since 0.1.0
 */
public record RestartReport(RestartTrigger trigger, Instant startedAt, RestartOutcome outcome, long childPid,
		long readyAfterMillis, @Nullable String reason, @Nullable RestartRelease release) {

	/**
	 * A restart that was just accepted.
	 * @param trigger what asked for it
	 * @return the report
	 */
	public static RestartReport started(RestartTrigger trigger) {
		return new RestartReport(trigger, Instant.now(), RestartOutcome.IN_PROGRESS, -1, -1, null, null);
	}

	/**
	 * A restart refused before anything was started.
	 * @param trigger what asked for it
	 * @param why the reason
	 * @return the report
	 */
	public static RestartReport refused(RestartTrigger trigger, String why) {
		return new RestartReport(trigger, Instant.now(), RestartOutcome.REFUSED, -1, -1, why, null);
	}

	/**
	 * This report once it is known what the new process runs.
	 * @param release its jar and working directory
	 * @return the report
	 */
	public RestartReport withRelease(RestartRelease release) {
		return new RestartReport(this.trigger, this.startedAt, this.outcome, this.childPid, -1, null, release);
	}

	/**
	 * This report once the new process is started.
	 * @param pid its pid
	 * @return the report
	 */
	public RestartReport withChild(long pid) {
		return new RestartReport(this.trigger, this.startedAt, this.outcome, pid, -1, null, this.release);
	}

	/**
	 * This report once the new process is ready.
	 * @param readyAfterMillis from the request to readiness
	 * @return the report
	 */
	public RestartReport succeeded(long readyAfterMillis) {
		return new RestartReport(this.trigger, this.startedAt, RestartOutcome.SUCCEEDED, this.childPid,
				readyAfterMillis, null, this.release);
	}

	/**
	 * This report once the restart failed.
	 * @param why the reason
	 * @return the report
	 */
	public RestartReport failed(String why) {
		return new RestartReport(this.trigger, this.startedAt, RestartOutcome.FAILED, this.childPid, -1, why,
				this.release);
	}

}
