package dev.grace.demo.netty;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The demo's endpoints as a WebFlux application on Reactor Netty: the grace starter has no
 * Tomcat connector to hand over here, and must say so and stay out of the way.
 */
@SpringBootApplication
public class NettyDemoApplication {

	public static void main(String[] args) {
		SpringApplication.run(NettyDemoApplication.class, args);
	}

}
