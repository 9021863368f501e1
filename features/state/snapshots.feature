@epic:state @feature:snapshots
@allure.label.epic:state @allure.label.feature:snapshots
@needs:control @needs:snapshots
Feature: Snapshots save the whole simulation and tell what changed since
  A snapshot holds everything: the clock, prices, orders still travelling to the venue, fills, balances and
  positions. Comparing with a snapshot names every change in a tester's words; going back to one and doing the
  same things again gives exactly the same results.

  Background:
    Given the account "alice" with $100,000 cash and these positions:
      | symbol | shares |
      | ACME   | 100    |

  @allure.label.story:diff @allure.severity:critical
  Scenario: Saving a snapshot changes nothing
    When I save a snapshot "x"
    Then nothing changed since snapshot "x"
    And alice holds 100 ACME

  @allure.label.story:diff @allure.severity:critical
  @needs:fills
  Scenario: A market order changes alice's cash, position and orders, and nothing else but time and prices
    When I save a snapshot "before"
    And alice buys 50 ACME at market
    Then nothing changed since snapshot "before" except:
      | what                  | from | to     |
      | alice's cash          |      |        |
      | alice's ACME position | 100  | 150    |
      | alice's orders        |      | filled |
      | the clock             |      |        |
      | ACME price            |      |        |

  @allure.label.story:diff
  @needs:fills
  Scenario: Canceling a resting order changes only that order
    When alice buys 10 ACME with a limit of $40.00, good till canceled
    And I save a snapshot "resting"
    And alice cancels the order
    Then nothing changed since snapshot "resting" except:
      | what           | from | to       |
      | alice's orders | new  | canceled |
      | the clock      |      |          |
      | ACME price     |      |          |

  @allure.label.story:time-travel @allure.severity:critical
  @needs:clock @needs:fills
  Scenario: Going back to a snapshot and doing the same again gives exactly the same results
    When I save a snapshot "start"
    And alice buys 50 ACME at market
    And 5 minutes pass
    And I save a snapshot "first-run"
    And I go back to the snapshot "start"
    Then nothing changed since snapshot "start"
    When alice buys 50 ACME at market
    And 5 minutes pass
    Then nothing changed since snapshot "first-run"
