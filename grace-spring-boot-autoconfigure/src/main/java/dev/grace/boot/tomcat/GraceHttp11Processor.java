package dev.grace.boot.tomcat;

import org.apache.coyote.Adapter;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;

/**
 * An {@link Http11Processor} that closes the connection of a stream (a server-sent event
 * stream, say) that ends after its endpoint stopped accepting, once its response is
 * complete. The stream decided on keep-alive when it started; closing right after its
 * last chunk sends the client's reconnection to the new process, instead of back to this
 * one on a kept-alive connection. Any other asynchronous request keeps the keep-alive
 * its response promised: closing under a client that was not told would lose its next
 * request.
 * <p>
 * Relies on Tomcat 11.0.22's {@code Http11Processor.dispatchEndRequest()} being called,
 * on the thread that ends it, once an asynchronous request ended with its response
 * complete and before the request is recycled, and {@code CLOSED} closing the connection
 * (Tomcat returns it itself when keep-alive is off).
 */
class GraceHttp11Processor extends Http11Processor {

	private final GraceHttp11NioProtocol protocol;

	GraceHttp11Processor(GraceHttp11NioProtocol protocol, Adapter adapter) {
		super(protocol, adapter);
		this.protocol = protocol;
	}

	@Override
	protected SocketState dispatchEndRequest() {
		if (this.protocol.closesAfter(this.response)) {
			return SocketState.CLOSED;
		}
		return super.dispatchEndRequest();
	}

}
