@epic:streams @feature:order-updates
@allure.label.epic:streams @allure.label.feature:order-updates
@needs:control @needs:streams @needs:fills
Feature: My client hears about its orders as they happen
  The order-updates stream tells a trading system about every change to its orders (new, fill, partial fill,
  canceled, expired, rejected, replaced) at the simulated moment it happens, in the order it happened.

  Background:
    Given the account "alice" with $1,000,000 cash

  @allure.label.story:fills @allure.severity:critical
  @needs:clock
  Scenario: A market order's fill reaches the client at once
    When alice watches her order updates
    And alice buys 100 ACME at market
    Then my client receives a fill update for the order within 100 ms of simulated time
    And my client receives these updates for the order: new, fill

  @allure.label.story:partial-fills
  @needs:clock
  Scenario: A large order is filled in parts, and each part is an update
    Given only 500 ACME are offered
    When alice watches her order updates
    And alice buys 2,000 ACME at market
    Then my client receives a partial_fill update for the order within 100 ms of simulated time

  @allure.label.story:cancels
  Scenario: A canceled order's cancel reaches the client
    When alice watches her order updates
    And alice buys 100 ACME with a limit of $45.00, good till canceled
    And alice cancels the order
    Then my client receives these updates for the order: new, canceled

  @allure.label.story:replaces
  Scenario: A replaced order is replaced and its successor is new
    When alice watches her order updates
    And alice buys 100 ACME with a limit of $45.00, good till canceled
    And alice changes the limit to $44.00
    Then my client receives 1 replaced update in all
    And my client receives these updates for the order: new

  @allure.label.story:rejections
  @needs:clock
  Scenario: A venue rejection reaches the client
    Given the venue rejects 100% of orders
    When alice watches her order updates
    And alice buys 10 ACME at market
    Then my client receives a rejected update for the order within 100 ms of simulated time

  @allure.label.story:expiry
  @needs:clock
  Scenario: A day order that did not fill expires at the close, and the client hears it
    Given prices update once a minute
    When alice watches her order updates
    And alice buys 100 ACME with a limit of $45.00
    And the market closes
    Then my client receives these updates for the order: new, expired

  @allure.label.story:queued
  @needs:clock
  Scenario: A market order sent after the close is routed at the open, and the client hears each step
    Given prices update once a minute
    When alice watches her order updates
    And the market closes
    And alice buys 100 ACME at market
    Then the order is queued for the open
    When the market opens
    Then the order is filled
    And my client receives these updates for the order: accepted, new, fill

  @allure.label.story:drops
  @needs:faults
  Scenario: The order-updates connection drops, and the client reconnects
    Given the order update stream drops after 2 updates
    When alice watches her order updates
    And alice buys 100 ACME at market
    Then my client loses the order update connection after 2 updates
    When alice buys 100 ACME at market
    Then my client reconnects and receives updates again
