package dev.grace.boot.handover;

import org.springframework.context.ApplicationEvent;

/**
 * A step of a restart, published as a Spring application event in the serving process.
 */
public class UpgradeEvent extends ApplicationEvent {

	private final Step step;

	private final long childPid;

	private final String reason;

	public UpgradeEvent(Object source, Step step, long childPid, String reason) {
		super(source);
		this.step = step;
		this.childPid = childPid;
		this.reason = reason;
	}

	public Step getStep() {
		return this.step;
	}

	/**
	 * The new process's pid.
	 * @return the pid, or -1 before it is spawned
	 */
	public long getChildPid() {
		return this.childPid;
	}

	/**
	 * Why the restart failed.
	 * @return the reason for {@link Step#FAILED}, else null
	 */
	public String getReason() {
		return this.reason;
	}

	@Override
	public String toString() {
		return "UpgradeEvent[" + this.step + ", child " + this.childPid
				+ ((this.reason != null) ? ", " + this.reason : "") + "]";
	}

	/** The steps, in the order a successful restart takes them. */
	public enum Step {

		/** A restart was asked for and accepted. */
		REQUESTED,
		/** The new process was spawned with the listening sockets. */
		CHILD_STARTED,
		/** The new process said it is fully started. */
		CHILD_READY,
		/** This process stops accepting and drains; the new one serves. */
		HANDED_OVER,
		/** The restart did not happen; this process keeps serving. */
		FAILED

	}

}
