"""Stage 4: hidden pytest graders. They read artifacts only; no student code ever runs here.

Each test_*.py check is a pytest test marked with @pytest.mark.check(id, title, points).
run_graders() runs them all in the calling (trusted) process against one GradingContext.
"""
