/**
 * Embedded Tomcat that takes part in restarts: {@link dev.grace.boot.tomcat.GraceHttp11NioProtocol}
 * is the protocol to give an additional connector ({@code new Connector("dev.grace.boot.tomcat.GraceHttp11NioProtocol")})
 * so that a restarted process inherits its socket.
 */
@NullMarked
package dev.grace.boot.tomcat;

import org.jspecify.annotations.NullMarked;
