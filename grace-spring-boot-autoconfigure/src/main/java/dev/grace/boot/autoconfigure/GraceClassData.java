package dev.grace.boot.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;

import dev.grace.boot.internal.classdata.ClassDataCache;
import dev.grace.boot.internal.classdata.ClassDataTraining;
import dev.grace.boot.internal.posix.ChildCommand;

/**
 * Gives restarted processes this build's class-data cache and, once this process serves,
 * has one trained if there is none.
 */
class GraceClassData implements DisposableBean {

	private static final Log logger = LogFactory.getLog(GraceClassData.class);

	static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(10);

	private final ApplicationContext context;

	private final @Nullable ClassDataCache cache;

	private volatile @Nullable ClassDataTraining training;

	private volatile boolean ready;

	GraceClassData(ApplicationContext context, ClassDataProperties properties) {
		this.context = context;
		this.cache = properties.enabled() ? ClassDataCache.forThisRuntime(properties.directory(),
				properties.maxEntries()) : null;
	}

	/**
	 * The commands of restarted processes, with the option that uses the cache.
	 * @param commands the commands as this process would run them
	 * @return the commands to run
	 */
	Supplier<ChildCommand> commands(Supplier<ChildCommand> commands) {
		ClassDataCache cache = this.cache;
		if (cache == null) {
			return commands;
		}
		this.training = new ClassDataTraining(cache, commands, TRAINING_TIMEOUT);
		return () -> {
			ClassDataCache.Applied applied = cache.apply(commands.get());
			if (this.ready) { // the spawner reads the command once while starting too
				logger.info("Class data: " + applied.summary());
			}
			return applied.command();
		};
	}

	@EventListener
	void onApplicationReady(ApplicationReadyEvent event) {
		ClassDataTraining training = this.training;
		if (event.getApplicationContext() == this.context && training != null) {
			this.ready = true;
			training.start();
		}
	}

	@Override
	public void destroy() {
		ClassDataTraining training = this.training;
		if (training != null) {
			training.close();
		}
	}

}
