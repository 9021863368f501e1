@epic:resilience @feature:fault-injection
@allure.label.epic:resilience @allure.label.feature:fault-injection
@needs:control
Feature: Requests fail on demand, the same way on every target
  Trading systems break on failures: dropped connections, empty answers, server errors, timeouts, refused keys,
  rate limits. A scenario sets up exactly the failures it wants; the client meets each one as its typed error,
  and no failure outlives its scenario.

  Background:
    Given the account "alice" with $100,000 cash

  @allure.label.story:retries @allure.severity:critical
  @needs:clock @needs:faults @needs:fills
  Scenario Outline: A careful client gets its order through despite <failure>, twice
    Given order submissions fail 2 times with <failure>, then succeed
    When alice buys 100 ACME at market, retrying on failures
    Then the order went through on attempt 3
    And 2 requests failed with <failure>
    And the order is filled

    Examples: Transport and server failures
      | failure            |
      | a connection error |
      | an empty response  |
      | a server error     |
      | a timeout          |

  @allure.label.story:retries
  @needs:clock @needs:faults @needs:fills
  Scenario: Failures that come at random, by the scenario's seed, are retried through
    Given order submissions fail with a connection error 50% of the time
    When alice buys 100 ACME at market, retrying on failures
    And alice buys 100 ACME at market, retrying on failures
    Then the order is filled

  @allure.label.story:authentication
  @needs:faults
  Scenario: Refused credentials fail every request until the rule goes
    Given account requests fail with an authentication error
    When alice checks the account 2 times
    Then 2 requests failed with an authentication error

  @allure.label.story:rejections
  @needs:clock @needs:faults @needs:fills
  Scenario: An injected rejection refuses one order, the next goes through
    Given order submissions fail once with an order rejection, then succeed
    When alice tries to buy 100 ACME at market
    Then the request fails with an order rejection
    When alice buys 100 ACME at market, retrying on failures
    Then the order went through on attempt 1
    And the order is filled

  @allure.label.story:rate-limits @allure.severity:critical
  @needs:clock @needs:faults
  Scenario: The rate limit refuses the request over the limit and says when to retry
    Given the broker allows 5 requests per minute
    When alice checks the account 5 times
    Then no request failed
    And the next request is refused as rate limited and may retry after 12 seconds
    When 12 seconds pass
    And alice checks the account 1 times
    Then no request failed

  @allure.label.story:time-windows
  @needs:clock @needs:faults
  Scenario: A failure window opens and closes on the simulated clock
    Given account requests fail with a server error from 1 minute to 2 minutes from now
    When alice checks the account 1 times
    Then no request failed
    When 90 seconds pass
    And alice checks the account 1 times
    Then the request fails with a server error
    When 1 minute passes
    And alice checks the account 1 times
    Then 1 requests failed with a server error

  @allure.label.story:unused-rules
  @needs:faults @needs:fills
  Scenario: A rule that was never needed can be named
    Given the fault rule "cancel outage" makes order cancels fail with a server error
    When alice buys 100 ACME at market
    Then the order is filled
    And the fault rule "cancel outage" never fired

  @allure.label.story:unused-rules
  @needs:faults
  Scenario: A named rule counts how often it fired
    Given the fault rule "quote outage" makes quote requests fail with a timeout
    When alice asks for the ACME quote
    Then the request fails with a timeout
    And the fault rule "quote outage" fired 1 times

  @allure.label.story:isolation
  @needs:clock @needs:fills
  Scenario: Failures set up by an earlier scenario are gone
    When alice buys 100 ACME at market, retrying on failures
    Then the order went through on attempt 1
    And no request failed
