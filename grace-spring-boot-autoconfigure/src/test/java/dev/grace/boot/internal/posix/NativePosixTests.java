package dev.grace.boot.internal.posix;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the real platform (Linux, where the build runs).
 */
class NativePosixTests {

	@Test
	void loadsInBackgroundAndTellsThatTheCallsWorkOnItsOwnThread() throws Exception {
		CompletableFuture<String> thread = new CompletableFuture<>();
		CompletableFuture<String> reason = new CompletableFuture<>();

		NativePosix.loadInBackground((problem) -> {
			thread.complete(Thread.currentThread().getName());
			reason.complete((problem != null) ? problem : "none");
		});

		assertThat(reason.get(30, TimeUnit.SECONDS)).isEqualTo("none");
		assertThat(thread.get()).isEqualTo("grace-native-posix");
		assertThat(NativePosix.get().isNative()).isTrue();
		assertThat(NativePosix.get().getpid()).isEqualTo(ProcessHandle.current().pid());
	}

}
