package dev.grace.boot.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;

import dev.grace.boot.internal.classdata.ClassDataCache;
import dev.grace.boot.internal.classdata.ClassDataTraining;
import dev.grace.boot.internal.classdata.ExtractedLayout;
import dev.grace.boot.internal.posix.ChildCommand;

/**
 * Gives restarted processes this build's class-data cache and, once this process serves,
 * has one trained if there is none; restarted processes of a Spring Boot fat jar run its
 * extracted layout, made first, whose classes the JVM can cache.
 */
class GraceClassData implements DisposableBean {

	private static final Log logger = LogFactory.getLog(GraceClassData.class);

	static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(10);

	private final ApplicationContext context;

	private final @Nullable ClassDataCache cache;

	private final ExtractedLayout layout;

	private final boolean extract;

	private volatile @Nullable ClassDataTraining training;

	GraceClassData(ApplicationContext context, ClassDataProperties properties) {
		this.context = context;
		this.cache = properties.enabled() ? ClassDataCache.forThisRuntime(properties.directory(),
				properties.maxEntries()) : null;
		// a process started on a copy finds its deployed jar again even with class data off
		this.layout = new ExtractedLayout((properties.directory() != null) ? properties.directory()
				: ClassDataCache.defaultDirectory(), properties.maxEntries());
		this.extract = properties.enabled() && properties.extract();
	}

	/**
	 * The commands restarts start from: the deployed jar's, also when this process runs a
	 * copy of it.
	 * @param commands the commands as this process would run them
	 * @return the commands naming the deployed jar
	 */
	Supplier<ChildCommand> commands(Supplier<ChildCommand> commands) {
		Supplier<ChildCommand> deployed = () -> this.layout.deployed(commands.get());
		this.layout.holdRunningCopy(commands.get());
		ClassDataCache cache = this.cache;
		if (cache != null) {
			this.training = new ClassDataTraining(cache, this.extract ? this.layout : null, deployed,
					TRAINING_TIMEOUT);
		}
		return deployed;
	}

	/**
	 * The command a new process runs, from the one of the release: the extracted layout
	 * of its fat jar when one was made, with the option that uses the cache.
	 * @return the command to run
	 */
	UnaryOperator<ChildCommand> launch() {
		ClassDataCache cache = this.cache;
		if (cache == null) {
			return UnaryOperator.identity();
		}
		return (release) -> {
			ChildCommand copy = this.extract ? this.layout.launch(release) : null;
			ClassDataCache.Applied applied = cache.apply((copy != null) ? copy : release);
			logger.info("Class data: " + ((copy != null) ? "the new process runs " + copy.jar()
					+ ", Boot's extracted layout of " + release.jar() + "; " : "") + applied.summary());
			return applied.command();
		};
	}

	@EventListener
	void onApplicationReady(ApplicationReadyEvent event) {
		ClassDataTraining training = this.training;
		if (event.getApplicationContext() == this.context && training != null) {
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
