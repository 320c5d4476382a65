package dev.grace.boot.autoconfigure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.grace.boot.internal.posix.NativePosix;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the real platform (Linux, where the build runs).
 */
class RestartSupportTests {

	@Test
	void checksThePlatformOnAThreadOfItsOwnAndLoadsTheNativeCalls() throws Exception {
		CompletableFuture<String> thread = new CompletableFuture<>();
		CompletableFuture<String> reason = new CompletableFuture<>();

		RestartSupport.checkPlatformInBackground((problem) -> {
			thread.complete(Thread.currentThread().getName());
			reason.complete((problem != null) ? problem : "none");
		});

		assertThat(reason.get(30, TimeUnit.SECONDS)).isEqualTo("none");
		assertThat(thread.get()).isEqualTo("grace-native-posix");
		assertThat(NativePosix.get().isNative()).isTrue();
		assertThat(NativePosix.get().getpid()).isEqualTo(ProcessHandle.current().pid());
	}

}
