package dev.grace.boot.tomcat;

import org.apache.coyote.Adapter;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;

/**
 * An {@link Http11Processor} that closes the connection of an asynchronous request ending
 * after its endpoint stopped accepting. Such a request decided on keep-alive when it
 * started, and its response may have been under way since (a stream): closing once it
 * ended is what sends the client's next request to the new process, instead of back to
 * this one on a kept-alive connection.
 * <p>
 * Relies on Tomcat 11.0.22's {@code Http11Processor.dispatchEndRequest()} being called
 * once an asynchronous request ended with its response complete, and {@code CLOSED}
 * closing the connection (Tomcat returns it itself when keep-alive is off).
 */
class GraceHttp11Processor extends Http11Processor {

	private final GraceNioEndpoint endpoint;

	GraceHttp11Processor(GraceHttp11NioProtocol protocol, Adapter adapter) {
		super(protocol, adapter);
		this.endpoint = protocol.getGraceEndpoint();
	}

	@Override
	protected SocketState dispatchEndRequest() {
		if (this.endpoint.isAcceptingStopped()) {
			return SocketState.CLOSED;
		}
		return super.dispatchEndRequest();
	}

}
