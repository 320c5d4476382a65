package dev.grace.boot.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of graceful restarts.
 *
 * @param enabled Whether SIGUSR2 and the grace endpoint restart the application with its
 * listening sockets handed to the new process. Off, Tomcat binds as usual.
 * @param readyTimeout How long a restarted process may take to be fully started before
 * it is killed and the current one keeps serving.
 * @param drainTimeout How long a process that handed over (or stops) waits for its open
 * connections to finish before closing the rest.
 */
@ConfigurationProperties("grace")
public record GraceProperties(@DefaultValue("true") boolean enabled, @DefaultValue("60s") Duration readyTimeout,
		@DefaultValue("30s") Duration drainTimeout) {

	public GraceProperties {
		requirePositive("grace.ready-timeout", readyTimeout);
		requirePositive("grace.drain-timeout", drainTimeout);
	}

	private static void requirePositive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be a positive duration such as 60s, but was " + value);
		}
	}

}
