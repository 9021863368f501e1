@epic:execution @feature:venue-rules
@allure.label.epic:execution @allure.label.feature:venue-rules
@needs:control @needs:fills
Feature: The venue's rules: sessions, halts, and rejections with a reason
  The regular session runs 09:30 to 16:00 New York time. Orders sent outside it are queued for the open, market
  orders too: Alpaca keeps them "accepted" and routes them at the open. Only an immediate-or-cancel or fill-or-kill
  market order, which must fill at once, is refused. Day orders expire at the close. An order that reaches a halted
  venue is rejected there, with a reason a program can read.

  Background:
    Given the account "alice" with $1,000,000 cash
    And prices update once a minute

  @allure.label.story:market-closed @allure.severity:critical
  @needs:clock
  Scenario: A market order after the close is queued and fills at the next open
    When the market closes
    And alice buys 100 ACME at market
    Then the order is queued for the open
    And nothing is filled
    When the market opens
    Then the order is filled
    And the order filled at 09:30 New York time

  @allure.label.story:market-closed
  @needs:clock
  Scenario: An immediate-or-cancel market order after the close is refused
    When the market closes
    And alice buys 100 ACME at market, immediate or cancel
    Then the order is refused because of a closed market

  @allure.label.story:market-closed @allure.severity:critical
  @needs:clock
  Scenario: A limit order sent after the close waits for the open
    When the market closes
    And alice buys 100 ACME with a limit of $55.00
    Then the order is queued for the open
    And nothing is filled
    When the market opens
    Then the order is filled

  @allure.label.story:day-orders
  @needs:clock
  Scenario: A day order still working at the close expires
    When alice buys 100 ACME with a limit of $45.00
    And the market closes
    Then the order is expired
    And alice's buying power is at least $1,000,000.00

  @allure.label.story:day-orders
  @needs:clock
  Scenario: A change still on its way at the close is too late: the orders expire
    When alice buys 100 ACME with a limit of $45.00
    And the close is 10 ms away
    And alice changes the limit to $45.01
    Then the change is refused as too late
    And the order is expired
    And nothing is filled

  @allure.label.story:day-orders
  @needs:clock
  Scenario: A good-till-canceled order works through the close
    When alice buys 100 ACME with a limit of $45.00, good till canceled
    And the market closes
    Then the order is resting

  @allure.label.story:halts @allure.severity:critical
  @needs:clock
  Scenario: An order in flight when trading halts is rejected by the venue
    Given orders reach the venue after 200 ms
    When alice sends an order to buy 100 ACME at market
    And trading in ACME is halted
    And the order reaches the venue
    Then the venue rejects the order because of a trading halt
    And nothing is filled
    And alice's cash is unchanged

  @allure.label.story:venue-rejections
  Scenario: A venue that rejects every order says it was a random rejection
    Given the venue rejects 100% of orders
    When alice buys 100 ACME with a limit of $45.00
    Then the order is rejected by the venue
    And alice's buying power is at least $1,000,000.00
