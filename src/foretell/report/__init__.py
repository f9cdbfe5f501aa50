"""The calibration report: ``build`` turns Frames into report data; the renderers
(``text``, ``markdown``, ``json_out``, ``csv_out``, ``html``, dispatched by ``render``) turn it
into strings and ``plot`` draws the reliability diagram. Nothing here writes except
``plot.write_plot`` (to the path it is given).

    from foretell.report.build import build_report
    from foretell.report.options import ReportOptions
    from foretell.report.render import render
    print(render(build_report(frames, ReportOptions(rule="last")), "markdown"))
"""
