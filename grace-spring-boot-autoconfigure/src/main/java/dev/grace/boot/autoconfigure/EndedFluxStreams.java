package dev.grace.boot.autoconfigure;

import java.util.function.Predicate;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * WebFlux ends a stream at the handover by completing its body: the response then ends
 * as any finished stream does, with its last chunk. Ending it through the asynchronous
 * timeout instead would reach WebFlux as an error ("Async operation timeout."), which
 * cuts a committed response. A stream that starts after the handover ends at once.
 */
class EndedFluxStreams implements WebFilter {

	private final Sinks.One<Boolean> handedOver = Sinks.one();

	private final Predicate<String> streamType;

	/**
	 * Creates the filter.
	 * @param streamType whether a content type is a stream's
	 */
	EndedFluxStreams(Predicate<String> streamType) {
		this.streamType = streamType;
	}

	/**
	 * Completes every stream's body, now and from now on.
	 */
	void end() {
		this.handedOver.tryEmitValue(Boolean.TRUE);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange.mutate().response(new Ending(exchange.getResponse())).build());
	}

	private boolean isStream(ServerHttpResponse response) {
		MediaType type = response.getHeaders().getContentType();
		return type != null && this.streamType.test(type.toString());
	}

	private final class Ending extends ServerHttpResponseDecorator {

		Ending(ServerHttpResponse delegate) {
			super(delegate);
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			if (!isStream(this)) {
				return super.writeWith(body);
			}
			return super.writeWith(Flux.from(body).takeUntilOther(EndedFluxStreams.this.handedOver.asMono()));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			if (!isStream(this)) {
				return super.writeAndFlushWith(body);
			}
			return super.writeAndFlushWith(Flux.from(body).takeUntilOther(EndedFluxStreams.this.handedOver.asMono()));
		}

	}

}
