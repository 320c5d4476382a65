package dev.grace.boot.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of graceful restarts.
 *
 * @param enabled Whether SIGUSR2 and the grace endpoint restart the application with its
 * listening sockets given to the new process. Off, Tomcat binds as usual and no signal
 * handler is installed.
 * @param readyTimeout How long a restarted process may take to be fully started before
 * it is stopped and the current one keeps serving. When not set, ten times as long as
 * the restarting process took to be ready itself (from the JVM's start), at least 60s.
 * @param drainTimeout How long a process that was replaced (or stops) waits for its open
 * connections to finish before closing the rest.
 * @param pidFile File that always names the serving process: each new process writes it
 * when ready, before the previous one exits. For systemd's PIDFile=.
 * @param supervisor When this process turns into a supervisor that stays PID 1 of a
 * container while the application restarts under it: AUTO when it is PID 1, ON behind
 * tini, dumb-init or sh -c, OFF never.
 * @param workingDirectory Directory restarted processes start in, by its absolute path,
 * resolved again at each restart: a release symlink such as /srv/app/current. Set it
 * under systemd, whose WorkingDirectory= sets no PWD; by default it is the shell's PWD
 * when that names this process's working directory, else that directory.
 * @param memoryHeadroom Free memory a restart needs under the process's cgroup memory
 * limit, as a multiple of this process's resident size: a restart without it is refused,
 * so that the OOM killer never takes the serving process. 0 turns the check off.
 * @param longLived What happens to connections that outlive a request (WebSocket,
 * server-sent events, HTTP/2) when a restart hands over.
 * @param startPriorityBoost How many nice steps above the serving process a restarted
 * process runs until it is ready, so that a busy machine does not stretch the restart:
 * the serving process keeps serving, a little slower, meanwhile; its C2 compiler threads
 * run at nice 19 until then. Needs CAP_SYS_NICE (or a LimitNICE that allows it); without
 * it the new process starts at the serving process's priority. 0 turns it off.
 * @since 0.1.0
 */
@ConfigurationProperties("grace")
public record GraceProperties(@DefaultValue("true") boolean enabled, @Nullable Duration readyTimeout,
		@DefaultValue("30s") Duration drainTimeout, @Nullable Path pidFile,
		@DefaultValue("auto") SupervisorMode supervisor, @Nullable Path workingDirectory,
		@DefaultValue("1.0") double memoryHeadroom, @DefaultValue LongLived longLived,
		@DefaultValue("10") int startPriorityBoost) {

	public GraceProperties {
		if (readyTimeout != null) {
			requirePositive("grace.ready-timeout", readyTimeout);
		}
		requirePositive("grace.drain-timeout", drainTimeout);
		requireDirectory("grace.working-directory", workingDirectory);
		requireFactor("grace.memory-headroom", memoryHeadroom);
		if (startPriorityBoost < 0 || startPriorityBoost > 39) {
			throw new IllegalArgumentException("grace.start-priority-boost must be a number of nice steps from 0 (off) "
					+ "to 39, such as 10, but was " + startPriorityBoost);
		}
	}

	/**
	 * Connections that outlive a request, at the handover.
	 *
	 * @param notice How long the application has, once told of the handover
	 * (RestartEvent DRAINING), to end its long-lived connections itself; the starter then
	 * closes the WebSocket sessions left with 1001 Going Away and ends the streams left
	 * with a well-formed end of the response, so that their clients reconnect to the new
	 * process. Not waited for when none is open.
	 * @param streamTypes Content types of asynchronous responses that never end by
	 * themselves: streams, ended at the handover with a well-formed end, which a client
	 * cannot tell from a finished response. Server-sent events by default, whose clients
	 * reconnect; add a type only for streams that never finish (application/x-ndjson is
	 * often a finite export). Any other response under way is left to finish, bounded by
	 * grace.drain-timeout.
	 * @since 0.1.0
	 */
	public record LongLived(@DefaultValue("1s") Duration notice,
			@DefaultValue("text/event-stream") List<String> streamTypes) {

		public LongLived {
			if (notice == null || notice.isNegative()) {
				throw new IllegalArgumentException(
						"grace.long-lived.notice must be a duration such as 1s (0 ends them at once), but was " + notice);
			}
		}

	}

	private static void requireFactor(String name, double value) {
		if (!(value >= 0) || Double.isInfinite(value)) {
			throw new IllegalArgumentException(name + " must be a factor such as 1.0 (0 turns the check off), but was "
					+ value);
		}
	}

	private static void requireDirectory(String name, @Nullable Path value) {
		if (value == null) {
			return;
		}
		if (!value.isAbsolute()) {
			throw new IllegalArgumentException(name + " must be an absolute path such as /srv/app/current, but was "
					+ value);
		}
		if (!Files.isDirectory(value)) {
			throw new IllegalArgumentException(
					name + "=" + value + (Files.exists(value) ? " is not a directory" : " does not exist"));
		}
	}

	private static void requirePositive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be a positive duration such as 60s, but was " + value);
		}
	}

	/**
	 * When the container supervisor runs.
	 *
	 * @since 0.1.0
	 */
	public enum SupervisorMode {

		/** When this process is PID 1 of its PID namespace. */
		AUTO,
		/** Always, for a process behind tini, dumb-init or {@code sh -c}. */
		ON,
		/** Never. */
		OFF

	}

}
