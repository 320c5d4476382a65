package dev.grace.demo;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * A WebSocket echo on {@code /ws}: the pid on open, then every text message back,
 * prefixed with the pid, so that a client sees which process it talks to.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class EchoWebSocket extends TextWebSocketHandler implements WebSocketConfigurer {

	private final String pid = Long.toString(ProcessHandle.current().pid());

	@Override
	public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
		registry.addHandler(this, "/ws");
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws Exception {
		session.sendMessage(new TextMessage("pid:" + this.pid));
	}

	@Override
	protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
		session.sendMessage(new TextMessage(this.pid + ":" + message.getPayload()));
	}

}
