package dev.grace.boot.tomcat;

import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Tomcat's HTTP/1.1 NIO protocol on a {@link GraceNioEndpoint}: the name to give
 * {@code TomcatServletWebServerFactory#setProtocol} or {@code new Connector(…)} so that a
 * connector can adopt an inherited socket and drain without losing requests.
 */
public class GraceHttp11NioProtocol extends Http11NioProtocol {

	public GraceHttp11NioProtocol() {
		super(new GraceNioEndpoint());
	}

	/**
	 * The endpoint, to attach it to the handover.
	 * @return the endpoint
	 */
	public GraceNioEndpoint getGraceEndpoint() {
		return (GraceNioEndpoint) getEndpoint();
	}

}
