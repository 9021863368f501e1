@epic:execution @feature:time-in-force
@allure.label.epic:execution @allure.label.feature:time-in-force
@needs:control @needs:fills
Feature: Time in force decides what happens to the part the market cannot fill
  Immediate or cancel takes what it can and cancels the rest; fill or kill fills completely or not at all;
  day and good-till-canceled orders wait on the book for a better price.

  Background:
    Given the account "alice" with $1,000,000 cash

  @allure.label.story:thin-book @allure.severity:critical
  Scenario Outline: Time in force decides what happens to the rest
    Given only 1,000 ACME are offered
    When alice buys 5,000 ACME at market, <time in force>
    Then <filled> shares are filled
    And the order is <status>

    Examples: What the book could not absorb
      | time in force       | filled | status    |
      | immediate or cancel | 1,000  | canceled  |
      | fill or kill        | 0      | canceled  |

  @allure.label.story:thin-book
  Scenario Outline: An order the book can absorb fills whatever its time in force
    Given only 1,000 ACME are offered
    When alice buys 500 ACME at market, <time in force>
    Then the order is filled
    And 500 shares are filled

    Examples: Enough shares on offer
      | time in force       |
      | immediate or cancel |
      | fill or kill        |
      | day                 |

  @allure.label.story:limit-orders
  Scenario Outline: A limit order away from the market rests or dies by its time in force
    When alice buys 100 ACME with a limit of $45.00, <time in force>
    Then the order is <status>
    And nothing is filled

    Examples: Buying far below the offer
      | time in force       | status    |
      | day                 | resting   |
      | good till canceled  | resting   |
      | immediate or cancel | canceled  |
      | fill or kill        | canceled  |
