package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;

import dev.grace.demo.support.RawHttp.Response;

/**
 * {@code GET /actuator/grace}, parsed as JSON and read field by field.
 *
 * @param json the body
 */
public record GraceStatus(String json) {

	/** Where the status keeps the last restart. */
	private static final String LAST_RESTART = "/lastRestart";

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
		return Awaitility.await("status on port " + managementPort).atMost(timeout)
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(25))
			.until(() -> of(managementPort), condition);
	}

	/**
	 * The body as JSON.
	 * @return its tree
	 */
	public JsonNode tree() {
		return Json.parse(this.json);
	}

	public long pid() {
		return Json.number(tree(), "/pid");
	}

	public long generation() {
		return Json.number(tree(), "/generation");
	}

	public String state() {
		return Json.string(tree(), "/state");
	}

	/**
	 * The listening sockets a restart hands over.
	 * @return the listeners, in the order the status gives them
	 */
	public List<Listener> listeners() {
		return tree().path("listeners")
			.valueStream()
			.map((listener) -> new Listener(Json.string(listener, "/name"), Json.string(listener, "/address"),
					(int) Json.number(listener, "/port"), (int) Json.number(listener, "/fd")))
			.toList();
	}

	/**
	 * Whether a restart has been requested since this process started.
	 * @return true once there is a last restart to show
	 */
	public boolean hasLastRestart() {
		JsonNode last = tree().at(LAST_RESTART);
		return !last.isMissingNode() && !last.isNull();
	}

	public String trigger() {
		return Json.string(tree(), LAST_RESTART + "/trigger");
	}

	/**
	 * When the last restart was requested, as the status writes it.
	 * @return the timestamp, null without a last restart
	 */
	public String startedAt() {
		JsonNode startedAt = tree().at(LAST_RESTART + "/startedAt");
		return (startedAt.isMissingNode() || startedAt.isNull()) ? null : startedAt.asString();
	}

	public String outcome() {
		return Json.string(tree(), LAST_RESTART + "/outcome");
	}

	public String reason() {
		return Json.string(tree(), LAST_RESTART + "/reason");
	}

	/**
	 * The child of the last restart.
	 * @return its pid, -1 before one was spawned or without a last restart
	 */
	public long childPid() {
		return Json.number(tree(), LAST_RESTART + "/childPid");
	}

	public long readyAfterMillis() {
		return Json.number(tree(), LAST_RESTART + "/readyAfterMillis");
	}

	/**
	 * A listening socket.
	 *
	 * @param name listener name
	 * @param address bound address
	 * @param port bound port
	 * @param fd descriptor in the process
	 */
	public record Listener(String name, String address, int port, int fd) {
	}

}
