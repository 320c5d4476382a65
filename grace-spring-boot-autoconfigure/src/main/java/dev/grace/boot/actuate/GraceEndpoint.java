package dev.grace.boot.actuate;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.grace.boot.internal.Restarter;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartState;
import dev.grace.boot.restart.RestartTrigger;

/**
 * {@code /actuator/grace}: GET shows the restart status, POST starts a restart (202), or
 * answers 409 with the reason when one cannot start. Like {@code shutdown}, nobody may
 * use it until {@code management.endpoint.grace.access} grants it.
 *
 * @since 0.1.0
 */
@Endpoint(id = "grace", defaultAccess = Access.NONE)
public class GraceEndpoint {

	private final Restarter restarter;

	/**
	 * Creates the endpoint.
	 * @param restarter the process's restart state machine
	 */
	public GraceEndpoint(Restarter restarter) {
		this.restarter = restarter;
	}

	@ReadOperation
	public GraceDescriptor status() {
		List<GraceDescriptor.Listener> listeners = this.restarter.listeners()
			.stream()
			.map((named) -> new GraceDescriptor.Listener(named.name(), host(named.socket().address().getAddress()),
					named.socket().address().getPort(), named.socket().fd()))
			.toList();
		return new GraceDescriptor(ProcessHandle.current().pid(), this.restarter.generation(),
				this.restarter.state(), listeners, this.restarter.lastRestart());
	}

	@WriteOperation
	public WebEndpointResponse<RestartResponse> restart() {
		try {
			RestartReport report = this.restarter.request(RestartTrigger.ACTUATOR);
			return new WebEndpointResponse<>(new RestartResponse("restart started", report), 202);
		}
		catch (RestartRefusedException ex) {
			return new WebEndpointResponse<>(new RestartResponse(ex.getMessage(), this.restarter.lastRestart()),
					409);
		}
	}

	private static String host(InetAddress address) {
		return (address instanceof Inet6Address && address.isAnyLocalAddress()) ? "::" : address.getHostAddress();
	}

	/**
	 * The answer to POST.
	 *
	 * @param message what happened
	 * @param restart the restart started, or the last one when refused
	 */
	public record RestartResponse(String message, @Nullable RestartReport restart) implements OperationResponseBody {
	}

	/**
	 * The answer to GET.
	 *
	 * @param pid this process
	 * @param generation 1 for a process started by hand, +1 per restart
	 * @param state where this process is
	 * @param listeners the listening sockets that a restart gives to the new process
	 * @param lastRestart the last restart this process started, null before the first
	 */
	public record GraceDescriptor(long pid, int generation, RestartState state, List<Listener> listeners,
			@Nullable RestartReport lastRestart) implements OperationResponseBody {

		/**
		 * A listening socket.
		 *
		 * @param name listener name
		 * @param address bound address ({@code ::} for a dual-stack wildcard)
		 * @param port bound port
		 * @param fd descriptor in this process
		 */
		public record Listener(String name, String address, int port, int fd) {
		}

	}

}
