package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.grace.demo.support.RawHttp.Response;

/**
 * {@code GET /actuator/grace}, read field by field.
 *
 * @param json the body
 */
public record GraceStatus(String json) {

	/**
	 * Reads the status from the management port.
	 * @param managementPort the port
	 * @return the status
	 */
	public static GraceStatus of(int managementPort) {
		try {
			Response response = RawHttp.get(managementPort, "/actuator/grace");
			if (response.status() != 200) {
				throw new IllegalStateException("GET /actuator/grace answered " + response.status());
			}
			return new GraceStatus(response.text());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Polls the status until {@code condition} holds.
	 * @param managementPort the port
	 * @param condition what to wait for
	 * @param timeout how long
	 * @return the status that satisfied it
	 */
	public static GraceStatus await(int managementPort, Predicate<GraceStatus> condition, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		GraceStatus status = of(managementPort);
		while (!condition.test(status)) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Status never matched within " + timeout + ": " + status.json());
			}
			DemoProcess.pause(25);
			status = of(managementPort);
		}
		return status;
	}

	public String state() {
		return string("state");
	}

	public long pid() {
		return number("pid");
	}

	public String outcome() {
		return string("outcome");
	}

	public String reason() {
		return string("reason");
	}

	public long childPid() {
		return number("childPid");
	}

	private String string(String field) {
		Matcher matcher = Pattern.compile("\"" + field + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(this.json);
		return matcher.find() ? matcher.group(1) : null;
	}

	private long number(String field) {
		Matcher matcher = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(this.json);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
	}

}
