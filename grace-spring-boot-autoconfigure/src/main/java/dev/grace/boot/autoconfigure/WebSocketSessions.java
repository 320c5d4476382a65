package dev.grace.boot.autoconfigure;

import jakarta.websocket.server.ServerContainer;
import org.apache.catalina.Context;
import org.apache.tomcat.websocket.WsWebSocketContainer;

/**
 * The WebSocket sessions of a Tomcat context, closed the way Tomcat closes them when the
 * context stops ({@code WsWebSocketContainer.destroy()}: close 1001 Going Away, "The web
 * application is stopping"), but while the connector still writes. Loaded only when
 * Tomcat's WebSocket support is present.
 */
final class WebSocketSessions {

	private WebSocketSessions() {
	}

	/**
	 * Closes every open session of the context's container; a session already closing
	 * is left as it is, so this may be repeated.
	 * @param context the context
	 * @return whether the context has a WebSocket container
	 */
	static boolean closeAll(Context context) {
		Object container = context.getServletContext().getAttribute(ServerContainer.class.getName());
		if (container instanceof WsWebSocketContainer tomcat) {
			tomcat.destroy();
			return true;
		}
		return false;
	}

}
