package dev.grace.boot.autoconfigure;

import java.util.function.BooleanSupplier;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Spring MVC ends a stream the handover ended ({@code SseEmitter},
 * {@code ResponseBodyEmitter}) as if the application had completed it, instead of
 * through its timeout path ({@code AsyncRequestTimeoutException}, logged as a warning
 * for every stream). The application's own timeout callbacks run first and may still
 * send or complete; a timeout before the handover, or of a response not under way yet,
 * is left to Spring MVC.
 */
class EndedStreamsConfigurer implements WebMvcConfigurer {

	private final BooleanSupplier ending;

	EndedStreamsConfigurer(BooleanSupplier ending) {
		this.ending = ending;
	}

	@Override
	public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
		configurer.registerDeferredResultInterceptors(new EndedStreamInterceptor(this.ending));
	}

	static final class EndedStreamInterceptor implements DeferredResultProcessingInterceptor {

		private final BooleanSupplier ending;

		EndedStreamInterceptor(BooleanSupplier ending) {
			this.ending = ending;
		}

		@Override
		public <T> boolean handleTimeout(NativeWebRequest request, DeferredResult<T> deferredResult) {
			HttpServletResponse response = request.getNativeResponse(HttpServletResponse.class);
			if (!this.ending.getAsBoolean() || response == null || !response.isCommitted()) {
				return true;
			}
			// what ResponseBodyEmitter.complete() does
			deferredResult.setResult(null);
			return false;
		}

	}

}
