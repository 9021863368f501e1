@conformance @epic:conformance @feature:time-in-force
@allure.label.epic:conformance @allure.label.feature:time-in-force
Feature: Any broker honours an order's time in force
  The conformance profile: a limit far below the market cannot fill, so a day or good-till-canceled
  order rests, and an immediate-or-cancel or fill-or-kill order ends at once with nothing filled.

  @allure.label.story:resting @allure.severity:critical
  Scenario Outline: An order that may wait rests, and keeps its time in force
    When I buy 1 share with a limit far below the market, <time in force>
    Then the order is resting
    And the order's time in force is <time in force>

    Examples: Orders that wait for their price
      | time in force      |
      | day                |
      | good till canceled |

  @allure.label.story:immediate @allure.severity:critical
  Scenario Outline: An order that may not wait ends unfilled
    When I buy 1 share with a limit far below the market, <time in force>
    Then the order ends without a fill
    And the order's time in force is <time in force>
    And my open orders do not include the order

    Examples: Orders that take what is there at once, or nothing
      | time in force       |
      | immediate or cancel |
      | fill or kill        |

  @allure.label.story:replace
  Scenario: A changed order keeps its time in force
    When I buy 1 share with a limit far below the market, good till canceled
    And I lower the limit by 10%
    Then the order rests at the new limit
    And the order's time in force is good till canceled
