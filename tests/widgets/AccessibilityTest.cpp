// Every widget a user can reach with the keyboard, and every widget this project defines
// (custom-painted grids, tiles, charts, the areas themselves), has a name a screen reader
// can say: its accessibleName, or what Qt derives (a button's text, a label's buddy).
#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QComboBox>
#include <QTabBar>
#include <QTabWidget>
#include <QWidget>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cxxabi.h>
#include <typeinfo>

#include "TileGrid.h"
#include "TrainingDashboard.h"
#include "gui/MainWindow.h"

namespace {

// Defined by this project: the dynamic type (RTTI, so classes without Q_OBJECT count too)
// is not one of Qt's.
QString typeName(const QWidget *w) {
    const char *mangled = typeid(*w).name();
    int status = 0;
    char *demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
    const QString name = QString::fromLatin1(status == 0 ? demangled : mangled);
    std::free(demangled);
    return name;
}

bool isProjectClass(const QWidget *w) { return !typeName(w).startsWith(QLatin1Char('Q')); }

// A part of a Qt composite widget (a spin box's line edit, a scroll area's viewport, a tab
// bar's scroll buttons): the composite itself is named and checked.
bool isQtInternal(const QWidget *w) {
    if (w->objectName().startsWith(QLatin1String("qt_"))) return true;
    if (auto *area = qobject_cast<const QAbstractScrollArea *>(w->parentWidget()); area && area->viewport() == w)
        return true;  // a chart view's viewport: the view is named
    for (const QWidget *p = w->parentWidget(); p; p = p->parentWidget())
        if (qobject_cast<const QAbstractSpinBox *>(p) || qobject_cast<const QComboBox *>(p) ||
            qobject_cast<const QTabBar *>(p))
            return true;
    return false;
}

QString accessibleName(QWidget *w) {
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(w);
    return iface ? iface->text(QAccessible::Name).trimmed() : QString();
}

QString describe(const QWidget *w) {
    QStringList path;
    for (const QWidget *p = w; p; p = p->parentWidget())
        path.prepend(typeName(p) +
                     (p->objectName().isEmpty() ? QString() : QLatin1Char('#') + p->objectName()));
    return path.join(QLatin1String(" > "));
}

// The focusable and project-defined widgets under `root` (itself included) with no name.
QStringList unnamedWidgets(QWidget *root) {
    QList<QWidget *> widgets = root->findChildren<QWidget *>();
    widgets.prepend(root);
    QStringList unnamed;
    for (QWidget *w : widgets) {
        if (w->isWindow() && w != root) continue;  // menus, dialogs: named by their titles
        if (isQtInternal(w)) continue;
        const bool focusable = (w->focusPolicy() & Qt::TabFocus) != 0;
        if (!focusable && !isProjectClass(w)) continue;
        if (accessibleName(w).isEmpty()) unnamed << describe(w);
    }
    return unnamed;
}

}  // namespace

namespace {

// A custom-painted widget as this project writes them, without Q_OBJECT and without a name.
class MysteryCanvas : public QWidget {
public:
    using QWidget::QWidget;
};

}  // namespace

TEST(Accessibility, TheCheckFindsUnnamedCustomAndFocusableWidgets) {
    QWidget root;
    root.setAccessibleName(QStringLiteral("Root"));
    // Project widgets that take no focus: found by their type.
    auto *canvas = new MysteryCanvas(&root);
    auto *tiles = new TileGrid(&root);
    tiles->setAccessibleName(QString());
    ASSERT_EQ(tiles->focusPolicy(), Qt::NoFocus);
    // A plain Qt widget that takes focus: found as focusable.
    auto *focusable = new QWidget(&root);
    focusable->setFocusPolicy(Qt::StrongFocus);
    // A plain Qt widget that takes no focus: a layout container, not checked.
    new QWidget(&root);
    EXPECT_EQ(unnamedWidgets(&root).size(), 3) << unnamedWidgets(&root).join(QLatin1Char('\n')).toStdString();
    canvas->setAccessibleName(QStringLiteral("Canvas"));
    tiles->setAccessibleName(QStringLiteral("Feature maps"));
    focusable->setAccessibleName(QStringLiteral("Something to focus"));
    EXPECT_TRUE(unnamedWidgets(&root).isEmpty()) << unnamedWidgets(&root).join(QLatin1Char('\n')).toStdString();
}

TEST(Accessibility, EveryFocusableAndEveryCustomWidgetOfTheMainWindowHasAName) {
    unetlab::gui::MainWindow w;
    // The areas' own class names are the project's: an unnamed area is reported.
    ASSERT_TRUE(isProjectClass(w.dashboard()));
    w.resize(1400, 900);
    w.show();
    // Every tab once, so widgets built on first show exist too.
    auto *tabs = w.findChild<QTabWidget *>();
    ASSERT_NE(tabs, nullptr);
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QCoreApplication::processEvents();
    }
    const QStringList unnamed = unnamedWidgets(&w);
    EXPECT_TRUE(unnamed.isEmpty()) << unnamed.size() << " widget(s) without an accessible name:\n"
                                   << unnamed.join(QLatin1Char('\n')).toStdString();
}
