package io.foleystream.service.studio;

import static io.restassured.RestAssured.given;

import io.foleystream.testing.GrpcAuthOn;
import io.foleystream.testing.LocalBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** With {@code foley.auth.enabled=true} the API answers only a bearer of a valid JWT; the page, its settings and health stay open. */
@QuarkusTest
@TestProfile(GrpcAuthOn.class)
@WithTestResource(LocalBrokerResource.class)
class StudioAuthTest {

    @Test
    void theApiNeedsAValidToken() {
        given().get("/api/jobs").then().statusCode(401);
        given().auth().oauth2(GrpcAuthOn.tokenOfAnotherKey()).get("/api/jobs").then().statusCode(401);
        given().contentType("application/json").body("{\"size\":10}").post("/api/uploads").then().statusCode(401);
        given().get("/api/jobs/some-job/audio.wav").then().statusCode(401);

        given().auth().oauth2(GrpcAuthOn.validToken()).get("/api/jobs").then().statusCode(200);
    }

    @Test
    void thePageAndHealthStayOpen() {
        given().get("/").then().statusCode(200);
        given().get("/studio.js").then().statusCode(200);
        given().get("/api/config").then().statusCode(200).body("authEnabled", org.hamcrest.Matchers.equalTo(true));
        given().get("/q/health/live").then().statusCode(200);
    }
}
