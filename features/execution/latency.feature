@epic:execution @feature:latency
@allure.label.epic:execution @allure.label.feature:latency
@needs:control @needs:fills
Feature: Orders take time to reach the venue, and the market does not wait
  Every order, cancel and replace travels to the venue on the simulated clock. The defaults are those of a
  retail broker: tens of milliseconds, never instant. Slippage is measured against the mid when the order was
  sent, so what the market did in the meantime is part of it.

  Background:
    Given the account "alice" with $1,000,000 cash

  @allure.label.story:latency @allure.severity:critical
  Scenario: By default an order takes tens of milliseconds to reach the venue
    When alice buys 100 ACME at market 20 times
    Then no order of alice reached the venue in less than 20 ms
    And every order of alice reached the venue within 60 ms

  @allure.label.story:latency
  Scenario: A heavy-tailed network sometimes takes much longer
    Given orders take between 20 ms and 60 ms to reach the venue, with a heavy tail
    When alice buys 100 ACME at market 40 times
    Then no order of alice reached the venue in less than 20 ms
    And at least one order of alice took longer than 60 ms to reach the venue
    And every order of alice reached the venue within 2 seconds

  @allure.label.story:market-moves-in-flight @allure.severity:critical
  @needs:clock
  Scenario: News while the order travels becomes the trader's slippage
    Given orders reach the venue after 500 ms
    When alice sends an order to buy 100 ACME at market
    And ACME gaps up 5%
    And the order reaches the venue
    Then the order is filled
    And it fills with slippage above 400 bps
    And every fill reports its slippage against the mid when the order was sent

  @allure.label.story:cancel-race @allure.severity:critical
  @needs:clock
  Scenario: A cancel sent right behind a market order loses the race with the fill
    Given orders reach the venue after 50 ms
    When alice sends an order to buy 100 ACME at market
    And alice cancels the order
    Then the cancel loses the race with the fill
    And the order is filled
    And alice holds 100 ACME

  @allure.label.story:cancel-race
  Scenario: A cancel that reaches a resting order first wins
    Given orders reach the venue after 50 ms
    When alice buys 100 ACME with a limit of $45.00
    And alice cancels the order
    Then the order is canceled
    And nothing is filled
