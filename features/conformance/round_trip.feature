@conformance @needs:fills @epic:conformance @feature:round-trip
@allure.label.epic:conformance @allure.label.feature:round-trip
Feature: Any broker fills a small market order and keeps the position straight
  The conformance profile, where the adapter allows fills (a paper account): one share bought at market
  fills near the market and shows in the position; selling it brings the position back where it started.
  Whatever position a failed scenario leaves is traded back after it.

  @allure.label.story:market-orders @allure.severity:critical
  Scenario: A market buy of one share fills near the market
    When I buy 1 share at market
    Then the order is filled
    And it fills within 5% of the market price
    And the order's fills add up to 1 share
    When I sell 1 share at market
    Then the order is filled

  @allure.label.story:positions @allure.severity:critical
  Scenario: A round trip of one share leaves the position where it started
    When I buy 1 share at market
    Then my position has grown by 1 share
    When I sell 1 share at market
    Then the order is filled
    And my position is back where it started

  @allure.label.story:positions
  Scenario: A position reports its shares, average entry price and market value
    When I buy 1 share at market
    Then my position shows its shares, average entry price and market value
    And my equity is the cash plus the market value of the positions
    When I sell 1 share at market
    Then my position is back where it started

  @allure.label.story:cancel
  Scenario: Canceling a filled order is refused as already done
    When I buy 1 share at market
    Then the order is filled
    When I cancel the order
    Then the cancel is refused because the order is already done
    When I sell 1 share at market
    Then my position is back where it started
