package dev.grace.boot.autoconfigure;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.grace.boot.tomcat.GraceHttp11NioProtocol;

/**
 * Spring MVC ends a stream the handover ended ({@code SseEmitter},
 * {@code ResponseBodyEmitter}) as if the application had completed it, instead of
 * through its timeout path ({@code AsyncRequestTimeoutException}, logged as a warning
 * for every stream). The application's own timeout callbacks run first and may still
 * send or complete; a real timeout is left to Spring MVC.
 */
class EndedStreamsConfigurer implements WebMvcConfigurer {

	@Override
	public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
		configurer.registerDeferredResultInterceptors(new EndedStreamInterceptor());
	}

	static final class EndedStreamInterceptor implements DeferredResultProcessingInterceptor {

		@Override
		public <T> boolean handleTimeout(NativeWebRequest request, DeferredResult<T> deferredResult) {
			if (request.getAttribute(GraceHttp11NioProtocol.STREAM_ENDED_ATTRIBUTE,
					RequestAttributes.SCOPE_REQUEST) == null) {
				return true;
			}
			// what ResponseBodyEmitter.complete() does
			deferredResult.setResult(null);
			return false;
		}

	}

}
