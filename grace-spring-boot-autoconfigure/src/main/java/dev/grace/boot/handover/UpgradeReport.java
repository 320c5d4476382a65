package dev.grace.boot.handover;

import java.time.Instant;

/**
 * What became of one restart, as the status shows it.
 *
 * @param trigger what asked for it ({@code SIGUSR2}, {@code actuator})
 * @param startedAt when it was asked for
 * @param outcome {@code in-progress}, {@code succeeded} or {@code failed}
 * @param childPid the new process, -1 before it was spawned
 * @param readyAfterMillis from the request to the child's readiness, -1 if never ready
 * @param reason why it failed, null otherwise
 */
public record UpgradeReport(String trigger, Instant startedAt, String outcome, long childPid, long readyAfterMillis,
		String reason) {

	static UpgradeReport started(String trigger) {
		return new UpgradeReport(trigger, Instant.now(), "in-progress", -1, -1, null);
	}

	UpgradeReport withChild(long pid) {
		return new UpgradeReport(this.trigger, this.startedAt, this.outcome, pid, -1, null);
	}

	UpgradeReport succeeded(long readyAfterMillis) {
		return new UpgradeReport(this.trigger, this.startedAt, "succeeded", this.childPid, readyAfterMillis, null);
	}

	UpgradeReport failed(String why) {
		return new UpgradeReport(this.trigger, this.startedAt, "failed", this.childPid, -1, why);
	}

}
