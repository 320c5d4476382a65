package dev.grace.boot.actuate;

import java.util.List;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.grace.boot.handover.UpgradeRefusedException;
import dev.grace.boot.handover.UpgradeReport;
import dev.grace.boot.handover.Upgrader;

/**
 * {@code /actuator/grace}: GET shows the restart status, POST starts a restart (202), or
 * answers 409 with the reason when one cannot start. Like {@code shutdown}, nobody may
 * use it until {@code management.endpoint.grace.access} grants it.
 */
@Endpoint(id = "grace", defaultAccess = Access.NONE)
public class GraceEndpoint {

	private final Upgrader upgrader;

	public GraceEndpoint(Upgrader upgrader) {
		this.upgrader = upgrader;
	}

	@ReadOperation
	public GraceStatus status() {
		List<GraceStatus.Listener> listeners = this.upgrader.listeners()
			.stream()
			.map((named) -> new GraceStatus.Listener(named.name(),
					named.socket().address().getAddress().getHostAddress(), named.socket().address().getPort(),
					named.socket().fd()))
			.toList();
		return new GraceStatus(ProcessHandle.current().pid(), this.upgrader.lineage().generation(),
				this.upgrader.state().label(), listeners, this.upgrader.lastUpgrade());
	}

	@WriteOperation
	public WebEndpointResponse<RestartResponse> restart() {
		try {
			UpgradeReport report = this.upgrader.upgrade("actuator");
			return new WebEndpointResponse<>(new RestartResponse("restart started", report), 202);
		}
		catch (UpgradeRefusedException ex) {
			return new WebEndpointResponse<>(new RestartResponse(ex.getMessage(), this.upgrader.lastUpgrade()), 409);
		}
	}

	/**
	 * The answer to POST.
	 *
	 * @param message what happened
	 * @param upgrade the restart started, or the one under way
	 */
	public record RestartResponse(String message, UpgradeReport upgrade) implements OperationResponseBody {
	}

	/**
	 * The answer to GET.
	 *
	 * @param pid this process
	 * @param generation 1 for a process started by hand, +1 per handover
	 * @param state serving, upgrading, draining or stopping
	 * @param listeners the listening sockets that a restart hands over
	 * @param lastUpgrade the last restart, null before the first
	 */
	public record GraceStatus(long pid, int generation, String state, List<Listener> listeners,
			UpgradeReport lastUpgrade) implements OperationResponseBody {

		/**
		 * A listening socket.
		 *
		 * @param name listener name
		 * @param address bound address
		 * @param port bound port
		 * @param fd descriptor in this process
		 */
		public record Listener(String name, String address, int port, int fd) {
		}

	}

}
